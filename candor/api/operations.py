"""What each handler of the management API takes and answers, declared beside it.

`endpoint()` (candor.api.http) reads the declared body and query string before calling the
handler, and the OpenAPI document (candor.api.openapi) is generated from these declarations and
the URLconf, so a route cannot be served without being documented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.http import HttpResponse

from candor.api.bodies.base import Body
from candor.api.fields import Fields

H = TypeVar("H", bound=Callable[..., HttpResponse])


@dataclass(frozen=True)
class Operation:
    # The operationId is the HTTP method and this name (getIncident, patchIncident), unless
    # `op_id` names it whole (publishPostmortem).
    name: str
    summary: str
    tag: str
    status: int = 200
    # The schema of the answer (an object of candor.api.openapi.objects), "X[]" for a list of
    # them, None for no body.
    answer: str | None = None
    body: type[Body] | None = None
    query: type[Fields] | None = None
    op_id: str | None = None

    def operation_id(self, method: str) -> str:
        return self.op_id or method.lower() + self.name


def operation(
    name: str,
    summary: str,
    *,
    tag: str,
    answer: str | None,
    status: int = 200,
    body: type[Body] | None = None,
    query: type[Fields] | None = None,
    op_id: str | None = None,
) -> Callable[[H], H]:
    declared = Operation(name, summary, tag, status, answer, body, query, op_id)

    def declare(handler: H) -> H:
        setattr(handler, "operation", declared)  # noqa: B010
        return handler

    return declare


def declared(handler: Callable[..., HttpResponse]) -> Operation:
    found = getattr(handler, "operation", None)
    if not isinstance(found, Operation):
        raise TypeError(f"{handler.__qualname__} declares no @operation: it would be undocumented.")
    return found
