"""What the API may store as text or JSON: one set of rules for every body field and
header that ends in a Postgres `text` or `jsonb` column.

Postgres refuses a NUL in `text` and `\\u0000` in `jsonb`, and a lone surrogate
(`"\\ud800"`, which Python's JSON parser lets through) has no UTF-8 form: either would be
a `DataError` (a 500) at the INSERT. Here they are a 400 naming the field. DRF's
`CharField` also turns `123` into `"123"`; the strict fields below take strings only, and
integers only as integers.

    text_problem / json_problem   the rules, as plain functions (services use them too)
    StrictCharField, StrictIntegerField, SafeJSONField, ReferenceField   DRF fields
    header_value                  a request header, printable ASCII or refused
    is_ascii_id                   an id typed as ASCII digits (never fullwidth ones)
"""

from __future__ import annotations

import math
import re
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

# A spec is a flat map of fields to values; 32 levels leaves room for any real attribute
# (DO's deepest is 4) and keeps every later walk of it far from Python's recursion limit.
MAX_JSON_DEPTH = 32
# Postgres bigint, the type of every id column.
MAX_ID = 2**63 - 1

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_PRINTABLE_ASCII = re.compile("[\x20-\x7e]*")


def is_ascii_id(text: str) -> bool:
    """An id as people type it: ASCII digits only. `str.isdecimal` also takes fullwidth
    digits (U+FF11) and Arabic-Indic ones, which `int()` then reads as 1."""
    return text.isascii() and text.isdigit()


def text_problem(value: str) -> str | None:
    """Why Postgres could not store `value` as text, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "Null characters are not allowed."
    return "Lone surrogate characters (\\ud800-\\udfff) are not allowed."


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why `value` is not plain JSON that jsonb can store within `max_depth` levels of
    objects and arrays, or None. Walks iteratively: the value may be deep."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth + 1 > max_depth:
                return f"Nested deeper than {max_depth} levels."
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
            for key in item if isinstance(item, dict) else ():
                if not isinstance(key, str):
                    return "Object keys must be strings."
                if problem := text_problem(key):
                    return f"Key {_shown(key)}: {problem}"
        elif isinstance(item, str):
            if problem := text_problem(item):
                return problem
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "NaN and infinite numbers are not JSON."
        elif item is not None and not isinstance(item, bool | int):
            return f"{type(item).__name__} is not a JSON value."
    return None


def _shown(key: str) -> str:
    # repr() escapes NUL and surrogates, so the message itself is safe to render and store.
    return repr(key)[:80]


class StrictCharField(serializers.CharField):
    """A string, and nothing DRF would coerce into one (123, 1.5); storable as text."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if problem := text_problem(data):
            raise ValidationError(problem, code="invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (not "5", 5.0 or true) that fits Postgres' bigint; ids are >= 1."""

    default_error_messages = {"invalid": "Must be an integer."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReferenceField(StrictCharField):
    """An id (a JSON integer) or a name such as a URN (a string), as text."""

    default_error_messages = {"invalid": "Must be an integer id or a string."}

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, int) and not isinstance(data, bool):
            if not 1 <= data <= MAX_ID:
                self.fail("invalid")
            data = str(data)
        return super().to_internal_value(data)


class SafeJSONField(serializers.JSONField):
    """Any JSON value jsonb can store: no NUL or lone surrogate in a key or a string,
    at most `max_depth` levels deep."""

    def __init__(self, *, max_depth: int = MAX_JSON_DEPTH, **kwargs: Any) -> None:
        self.max_depth = max_depth
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if problem := json_problem(data, max_depth=self.max_depth):
            raise ValidationError(problem, code="invalid")
        return super().to_internal_value(data)


def header_value(request: Request, name: str, *, max_length: int = 255) -> str | None:
    """The header `name`, or None when absent. Refused (a 400 naming the header) unless
    it is 1 to `max_length` printable ASCII characters: WSGI hands Django header bytes as
    latin-1, so a UTF-8 `café` would arrive, and be stored, as `cafÃ©`."""
    raw = request.headers.get(name)
    if raw is None:
        return None
    if not raw or len(raw) > max_length or not _PRINTABLE_ASCII.fullmatch(raw):
        raise ValidationError(
            {name: [f"Must be 1 to {max_length} printable ASCII characters."]}, code="invalid"
        )
    return raw
