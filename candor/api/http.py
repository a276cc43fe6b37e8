"""The management API's wire conventions (reference §3.1): keys, rate limit, wrapped bodies in
JSON or Rails form encoding, bare JSON out, and JSON errors with the right status.

What each handler reads is declared (candor/api/bodies/, with @operation); this module turns
the request into those declarations: parse_body() gives nested data, read_body() and
read_query() validate it against the handler's models.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo
from functools import wraps
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError as InvalidFields

from candor.api.bodies.base import Body
from candor.api.fields import Fields
from candor.api.operations import declared
from candor.core import apikeys
from candor.core.models import ApiKey, Page
from candor.core.services.base import CONFLICT, DUPLICATE, NOT_FOUND, codes

Data: TypeAlias = dict[str, Any]
Handler: TypeAlias = Callable[..., HttpResponse]
B = TypeVar("B", bound=Body)
F = TypeVar("F", bound=Fields)

ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        errors: dict[str, list[str]] | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.retry_after = retry_after


def error_response(status: int, message: str, errors: dict[str, list[str]] | None = None) -> Any:
    data: Data = {"error": message}
    if errors:
        data["errors"] = errors
    return JsonResponse(data, status=status)


# A service's refusal by its code (services/base.py): anything else is invalid input, 422.
STATUS_BY_CODE = {CONFLICT: 409, DUPLICATE: 409, NOT_FOUND: 404}


def validation_error(exc: ValidationError, names: Mapping[str, str] | None = None) -> ApiError:
    """A service's refusal as the API's error; `names` gives Statuspage's name of a field the
    service calls otherwise ({"message": "body"})."""
    status = max((STATUS_BY_CODE[c] for c in codes(exc) if c in STATUS_BY_CODE), default=422)
    names = names or {}
    errors = (
        {names.get(k, k): [str(m) for m in v] for k, v in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {"base": [str(m) for m in exc.messages]}
    )
    first = next(iter(errors.values()))[0] if errors else "Invalid input."
    return ApiError(status, first, errors)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, message, {field: [message]})


def ok(data: Any, status: int = 200) -> HttpResponse:
    """Bare objects and bare arrays, as Statuspage sends them."""
    return JsonResponse(data, status=status, safe=False)


def no_content() -> HttpResponse:
    return HttpResponse(status=204)


# --- authentication and rate limit ---


def _presented_key(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() in ("oauth", "bearer"):
        return value.strip()
    return ""


def authenticate(request: HttpRequest) -> ApiKey:
    plain = _presented_key(request)
    if not plain:
        raise ApiError(401, "Send an API key: Authorization: OAuth <key> (or Bearer <key>).")
    key = apikeys.authenticate(plain)
    if key is None:
        raise ApiError(401, "This API key is not valid: it is wrong or has been revoked.")
    if key.created_by is not None and not key.created_by.is_active:
        raise ApiError(403, "This API key belongs to a deactivated account.")
    wait = apikeys.take_token(key)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, f"Rate limit exceeded: retry in {seconds} s.", retry_after=seconds)
    return key


def without_body(response: HttpResponse) -> HttpResponse:
    """HEAD: the GET answer's status and headers (its Content-Length included), no body."""
    if not response.streaming:
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response


def endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """One URL: a handler per HTTP method, each declared with @operation and called by call().

    HEAD is answered wherever GET is, by the GET handler, without the body (RFC 9110 §9.3.2).
    """
    for handler in handlers.values():
        declared(handler)  # fails at import time: every handler is documented
    if "GET" in handlers and "HEAD" not in handlers:
        handlers["HEAD"] = handlers["GET"]

    @csrf_exempt
    def view(request: HttpRequest, **path: str) -> HttpResponse:
        response = _dispatch(request, path)
        return without_body(response) if request.method == "HEAD" else response

    # Read by the OpenAPI document and by the test that every route is documented.
    view.handlers = handlers  # type: ignore[attr-defined]

    def _dispatch(request: HttpRequest, path: dict[str, str]) -> HttpResponse:
        handler = handlers.get(request.method or "")
        try:
            if handler is None:
                response = error_response(405, f"{request.method} is not allowed here.")
                response["Allow"] = ", ".join(sorted(handlers))
                return response
            for value in path.values():
                if not ID.fullmatch(value):
                    raise ApiError(404, "Not found.")
            key = authenticate(request)
            return call(handler, request, key, path)
        except ApiError as exc:
            response = error_response(exc.status, exc.message, exc.errors)
            if exc.status == 401:
                response["WWW-Authenticate"] = 'OAuth realm="Candor", Bearer realm="Candor"'
            if exc.retry_after is not None:
                response["Retry-After"] = str(exc.retry_after)
            return response
        except PermissionDenied as exc:
            # A service refusing the actor's role: an API key acts with its owner's current role.
            return error_response(403, str(exc) or "Your role does not allow this.")
        except ValidationError as exc:
            err = validation_error(exc)
            return error_response(err.status, err.message, err.errors)

    return view


def call(handler: Handler, request: HttpRequest, key: ApiKey, path: dict[str, str]) -> HttpResponse:
    """The handler, given the page (for a path under one) and its declared body and query."""
    op = declared(handler)
    args: dict[str, Any] = dict(path)
    tz = None
    if "page_id" in args:
        page = page_for(key, args.pop("page_id"))
        args["page"], tz = page, page.tz
    if op.query is not None:
        args["query"] = read_query(request, op.query)
    if op.body is not None:
        args["body"] = read_body(request, op.body, tz)
    return handler(request, key, **args)


def public(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """A view that needs no key (the OpenAPI document, the docs page)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return error_response(405, f"{request.method} is not allowed here.")
        response = view(request)
        return without_body(response) if request.method == "HEAD" else response

    return wrapper


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "Not found.")


# --- scope ---


def page_for(key: ApiKey, page_id: str) -> Page:
    """The page, if this key may touch it; another page's objects do not exist for the key."""
    if key.page_id is not None and key.page_id != page_id:
        raise ApiError(404, "Page not found.")
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        raise ApiError(404, "Page not found.")
    return page


# --- input: wrapped bodies, JSON or Rails form encoding ---

# Statuspage's bodies are three or four levels deep; anything far deeper is refused before it is
# decoded or walked, so that no input can exhaust the interpreter's recursion limit (a 500).
MAX_DEPTH = 32
TOO_DEEP = f"The body is nested too deeply (more than {MAX_DEPTH} levels)."
_JSON_TOKEN = re.compile(r'["\[\]{}]')
# The rest of a JSON string after its opening quote, written so that it never backtracks far.
_JSON_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def json_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text opens more than `limit` arrays or objects inside one another.

    One left-to-right pass over the brackets outside strings, stopping at the first level too
    deep. For text that is not JSON (an unterminated string) the answer is False: the decoder
    refuses it next, and stopping there keeps the pass linear.
    """
    depth = 0
    at = 0
    while match := _JSON_TOKEN.search(text, at):
        char = match.group()
        if char == '"':
            rest = _JSON_STRING_REST.match(text, match.end())
            if rest is None:
                return False
            at = rest.end()
            continue
        at = match.end()
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _clean(value: Any) -> Any:
    """Refuse what no database stores: NUL characters and lone surrogates in text."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ApiError(400, "Text cannot contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "Text must be valid Unicode.") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _clean(k)
            _clean(v)
    elif isinstance(value, list):
        for v in value:
            _clean(v)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ApiError(400, "Numbers must be finite.")
    return value


_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def _form_parts(key: str) -> list[str]:
    match = _KEY.match(key)
    if not match:
        raise ApiError(400, f"Malformed form field name {key!r}.")
    parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
    if len(parts) > MAX_DEPTH:
        raise ApiError(400, TOO_DEEP)
    return parts


def _form_put(root: Data, parts: list[str], value: str) -> None:
    node: Any = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        following = None if last else parts[i + 1]
        if part == "":
            if not isinstance(node, list):
                raise ApiError(400, "Malformed form field: [] used on a non-list.")
            if last:
                node.append(value)
                return
            if following == "":
                raise ApiError(400, "Nested lists are not supported in form fields.")
            # Rails: a[][x]=1&a[][y]=2 builds one hash until a key repeats.
            if node and isinstance(node[-1], dict) and following not in node[-1]:
                node = node[-1]
            else:
                node.append({})
                node = node[-1]
            continue
        if not isinstance(node, dict):
            raise ApiError(400, "Malformed form field: a name used both as a list and a hash.")
        if last:
            node[part] = value
            return
        child = node.get(part)
        if child is None:
            child = [] if following == "" else {}
            node[part] = child
        elif isinstance(child, str):
            raise ApiError(400, f"Malformed form field: {part!r} is both a value and a hash.")
        node = child


def parse_form(text: str) -> Data:
    data: Data = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _form_put(data, _form_parts(key), value)
    return data


def parse_body(request: HttpRequest) -> Data:
    """The request body as nested data; an empty body (whatever its Content-Type) is {}."""
    if hasattr(request, "_api_body"):
        return request._api_body  # type: ignore[no-any-return]
    raw = request.body
    data: Any = {}
    if raw.strip():
        content_type = request.content_type or ""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "The body must be UTF-8.") from None
        if content_type == "application/x-www-form-urlencoded" or (
            not content_type.endswith("json") and not text.lstrip().startswith(("{", "["))
        ):
            if content_type not in ("application/x-www-form-urlencoded", "", "text/plain"):
                raise ApiError(400, "Send JSON or application/x-www-form-urlencoded.")
            data = parse_form(text)
        else:
            if json_depth_exceeds(text):
                raise ApiError(400, TOO_DEEP)
            try:
                data = json.loads(text)
            except ValueError:
                raise ApiError(400, "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The body must be a JSON object.")
    _clean(data)
    request._api_body = data  # type: ignore[attr-defined]
    return data


# --- declared input: query strings and bodies (candor/api/bodies/) ---


def query_data(request: HttpRequest, names: Iterable[str]) -> Data:
    """These names' values in the query string (the last one, as QueryDict.get gives it)."""
    data = {name: request.GET.get(name) for name in names if name in request.GET}
    _clean(data)
    return data


def _errors(exc: InvalidFields, skip: str | None) -> dict[str, list[str]]:
    """Per field, its messages; a wrapped body's fields are named without the wrapper, a field
    of a nested object by its path (candor_branding.accent_light), one inside a list by the list."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = list(error["loc"])
        if skip is not None and loc[:1] == [skip] and len(loc) > 1:
            loc = loc[1:]
        names = [part for part in loc if isinstance(part, str)]
        name = ".".join(names) if len(names) == len(loc) else names[0] if names else ""
        errors.setdefault(name or "base", []).append(error["msg"])
    return errors


def read_query(request: HttpRequest, model: type[F]) -> F:
    """The declared query parameters; one that cannot be read is a 400 (unknown ones ignored)."""
    try:
        return model.model_validate(query_data(request, model.model_fields))
    except InvalidFields as exc:
        raise ApiError(400, next(iter(_errors(exc, None).values()))[0]) from None


def read_body(request: HttpRequest, model: type[B], tz: tzinfo | None) -> B:
    """The declared body, in JSON or Rails form fields; invalid fields are a 422 naming each."""
    data = parse_body(request)
    name = model.wrapper
    if name is not None:
        inner = data.get(name)
        if inner is None:
            if model.wrapper_required:
                raise ApiError(400, f'Wrap the fields in "{name}": {{"{name}": {{...}}}}.')
            data = {**data, name: None}
        elif not isinstance(inner, dict):
            raise ApiError(400, f'"{name}" must be an object.')
    try:
        return model.model_validate(data, context={"tz": tz})
    except InvalidFields as exc:
        errors = _errors(exc, name)
        raise ApiError(422, next(iter(errors.values()))[0], errors) from None
