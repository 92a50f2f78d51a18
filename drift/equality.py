"""Loose equality and live-value resolution (DESIGN.md, "Detection"). Pure: no database.

Loose equality compares *canonical forms*, so it is an equivalence relation by
construction (reflexive, symmetric, transitive):

- a scalar's canonical form is its text: `2`, `2.0`, `"2"` and `Decimal("2")` are all
  `"2"`; `true` is `"true"`; a non-integral number is its shortest exact decimal
  (`0.5`, `Decimal("0.50")` and `"0.5"` agree; the string `"2.0"` stays `"2.0"`);
- a list is the set of its elements' canonical forms: order and duplicates never count,
  so a JSON round-trip or a re-sorted tag list is never drift;
- an object compares key by key, loosely; a key whose value is null counts as missing;
- null and missing are the same (no value), and differ from `""`, `0`, `[]` and `{}`.

Live values resolve from the resource's columns first, then `attrs`; a dotted path such
as `image.slug` walks into `attrs`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

# Top-level columns a spec field may name; anything else is looked up in `attrs`.
RESOURCE_COLUMNS = (
    "name",
    "region",
    "size_slug",
    "status",
    "tags",
    "kind",
    "urn",
    "provider_id",
    "deleted_at",
)


class _Missing:
    """The live value of a field the resource does not have."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def canonical(value: Any) -> Hashable:
    """The form loose equality compares: None for null or missing, text for scalars,
    a frozenset for lists, a sorted tuple of (key, canonical) pairs for objects."""
    if value is None or value is MISSING:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return _number_text(value)
    if isinstance(value, Mapping):
        items = ((str(k), canonical(v)) for k, v in value.items())
        pairs = [(k, v) for k, v in items if v is not None]
        return ("{}", tuple(sorted(pairs, key=lambda pair: pair[0])))
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(canonical(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def loosely_equal(a: Any, b: Any) -> bool:
    """DESIGN.md's loose equality; see the module docstring."""
    # Fast path for the common case (two equal strings or ints) without building forms.
    if a is b or (type(a) is type(b) and type(a) in (str, int) and a == b):
        return True
    return canonical(a) == canonical(b)


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # repr is the shortest text that round-trips, so 0.1 stays 0.1, not 0.1000...0055.
        value = Decimal(repr(value))
    try:
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    except (InvalidOperation, ValueError, OverflowError):
        return str(value)


def resolve(columns: Mapping[str, Any], attrs: Mapping[str, Any] | None, field: str) -> Any:
    """The live value of `field`: a column first, then `attrs[field]`, then a dotted path
    into `attrs`; MISSING when none of them has it."""
    if field in columns:
        return columns[field]
    attrs = attrs or {}
    if field in attrs:
        return attrs[field]
    if "." not in field:
        return MISSING
    node: Any = attrs
    for part in field.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdecimal() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def to_json(value: Any) -> Any:
    """A live value as stored in `expected`/`actual` and in event changes: JSON-ready,
    with missing as null and times as ISO 8601."""
    if value is MISSING:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    return value


def is_json(value: Any) -> bool:
    """Whether `value` is plain JSON (what a spec value must be)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True
