"""Every request body and query string of the management API, declared once.

The handlers receive these models already read (candor.api.http.read_body/read_query), and the
OpenAPI document (candor.api.openapi) is generated from them. A body is wrapped, as in
Statuspage (`{"incident": {...}}`): the wrapper is the one field of type Fields named by
`wrapper`; other fields of a Body sit beside it.

One module per part of the API: `base` (Body, paging and the shared vocabularies), `pages`
(pages, components, groups, integrations), `incidents` (incidents, updates, postmortems,
templates, maintenance series) and `subscribers`.
"""
