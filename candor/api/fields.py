"""The field types of the management API's request bodies and query strings.

Each type is one pydantic annotation: how a value is read (from JSON, or from Rails form fields,
where everything arrives as a string), the message when it cannot be, and its OpenAPI schema.
Request schemas are no stricter than the services behind them (text is trimmed before its
length is checked, so lengths are described in prose); every optional field accepts null as
"not given".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Annotated, Any, ClassVar

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from candor.core import timefmt

Schema = dict[str, Any]


def fail(message: str) -> PydanticCustomError:
    """A field's error, with exactly this message (the API's `errors` show it as written)."""
    return PydanticCustomError("candor", message)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("Must be a string.")
    return value


# Exactly what the schema below declares, so that anything else is refused.
BOOLEAN_STRINGS = ["true", "false", "t", "f", "1", "0"]
_TRUE = {"true", "t", "1"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value in BOOLEAN_STRINGS:
        return value in _TRUE
    raise fail("Must be a boolean: true/false, t/f or 1/0.")


def _id_list(value: Any) -> list[str]:
    # A form field without [] (component_ids=x) arrives as one string.
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail("Must be a list of ids.")
    return [v for v in value if v != ""]


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail("Must be an object.")
    return value


def _status_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise fail("Must be an object of id: status.")
    return value


def _moment(value: Any, info: ValidationInfo) -> datetime | None:
    """An ISO 8601 time; a bare date, or a time without offset, is read in the page's zone."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise fail("Must be an ISO 8601 date or time.")
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime.combine(day, time()) if day else None
    except ValueError:
        parsed = None
    if parsed is None or not 1970 <= parsed.year <= 9998:
        raise fail("Must be an ISO 8601 date or time, like 2026-03-05T14:05:00Z.")
    if timezone.is_naive(parsed):
        zone: tzinfo = (info.context or {}).get("tz") or timezone.get_current_timezone()
        try:
            parsed = timefmt.place(parsed, zone)
        except ValueError as exc:
            raise fail(str(exc)) from None
    return parsed


def _count(value: Any) -> int | None:
    """A whole number, as JSON or (Rails forms) as a string of digits; the service bounds it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise fail("Must be a whole number.")
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{1,9}", value):
            raise fail("Must be a whole number.")
        value = int(value)
    return value


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise fail("Must be a date, like 2026-03-05.")
    return parsed


def _wall_clock(value: Any) -> datetime | None:
    """An ISO 8601 date and time; without an offset it stays naive (a wall-clock time that the
    service reads in the object's own time zone, not the page's)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise fail("Must be an ISO 8601 date and time.")
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or not 1970 <= parsed.year <= 9998:
        raise fail("Must be an ISO 8601 date and time, like 2027-03-14T02:00:00.")
    return parsed


def _days(value: Any) -> list[date]:
    if isinstance(value, str):  # a form field without []
        value = [value]
    if not isinstance(value, list):
        raise fail("Must be a list of dates, like 2027-03-28.")
    days = []
    for item in value:
        if item == "":
            continue
        day = _day(item)
        if day is None:
            raise fail("Must be a list of dates, like 2027-03-28.")
        days.append(day)
    return days


STRING: Schema = {"type": "string"}
Text = Annotated[str, PlainValidator(_text), WithJsonSchema(STRING)]
Boolean = Annotated[
    bool,
    PlainValidator(_boolean),
    WithJsonSchema(
        {
            "description": (
                "true/false, or (as in Rails forms) the strings t/f/1/0 and the numbers 1/0."
            ),
            "anyOf": [
                {"type": "boolean"},
                {"type": "string", "enum": BOOLEAN_STRINGS},
                {"type": "integer", "enum": [0, 1]},
            ],
        }
    ),
]
ID_LIST: Schema = {"type": "array", "items": STRING}
IdList = Annotated[list[str], PlainValidator(_id_list), WithJsonSchema(ID_LIST)]
AnyObject = Annotated[dict[str, Any], PlainValidator(_object), WithJsonSchema({"type": "object"})]
# An ISO 8601 string; "" reads as not given. Dates alone are accepted, so no `format`.
Moment = Annotated[datetime, PlainValidator(_moment), WithJsonSchema(STRING)]
Count = Annotated[int, PlainValidator(_count), WithJsonSchema({"type": "integer"})]
Day = Annotated[date, PlainValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]
WallClock = Annotated[datetime, PlainValidator(_wall_clock), WithJsonSchema(STRING)]
DayList = Annotated[
    list[date],
    PlainValidator(_days),
    WithJsonSchema({"type": "array", "items": {"type": "string", "format": "date"}}),
]
# {id: status}; the field lists the statuses allowed (see `statuses`).
StatusMap = Annotated[
    dict[str, str], PlainValidator(_status_map), WithJsonSchema({"type": "object"})
]


def statuses(values: Iterable[str], description: str) -> Any:
    extra: dict[str, Any] = {"additionalProperties": {"type": "string", "enum": list(values)}}
    return Field(None, description=description, json_schema_extra=extra)


def choice(values: Iterable[str], description: str = "") -> Any:
    """An optional text field documented with its allowed values (the service decides)."""
    return Field(None, description=description or None, json_schema_extra={"enum": list(values)})


@dataclass(frozen=True)
class Whole:
    """A query parameter's whole number within [low, high]; anything else is a 400."""

    name: str
    low: int
    high: int

    def read(self, value: Any) -> int:
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,9}", value):
            raise fail(f"{self.name} must be a whole number.")
        number = int(value)
        if not self.low <= number <= self.high:
            raise fail(f"{self.name} must be between {self.low} and {self.high}.")
        return number

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(self.read)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: Any) -> Schema:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}


def _document_required(schema: dict[str, Any], model: type[Any]) -> None:
    if model.documented_required:
        schema["required"] = list(model.documented_required)


class Fields(BaseModel):
    """The fields inside a wrapper, or a body or query string of its own: unknown ones ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, json_schema_extra=_document_required)
    # Listed as required in the document; the services refuse them blank, with their own message.
    documented_required: ClassVar[tuple[str, ...]] = ()

    def given(self, name: str) -> bool:
        """Whether the field was sent at all (null included), as opposed to left out."""
        return name in self.model_fields_set
