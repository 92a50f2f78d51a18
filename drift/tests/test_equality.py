"""Loose equality and value resolution (DESIGN.md, "Detection"): pure, so properties."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from drift.equality import MISSING, canonical, loosely_equal, resolve, to_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=15,
)


def loosen(value: Any, rng: random.Random) -> Any:
    """A value DESIGN.md says must never count as drift against `value`: ints and
    booleans as text, lists reordered with duplicates, keys reordered, null keys added."""
    if isinstance(value, bool):
        return ("true" if value else "false") if rng.random() < 0.5 else value
    if isinstance(value, int):
        return str(value) if rng.random() < 0.5 else value
    if isinstance(value, list):
        items = [loosen(v, rng) for v in value]
        items += [loosen(rng.choice(value), rng) for _ in range(rng.randint(0, 2))] if value else []
        rng.shuffle(items)
        return items
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        loosened = {k: loosen(value[k], rng) for k in keys}
        if rng.random() < 0.3 and "absent" not in loosened:
            loosened["absent"] = None
        return loosened
    return value


# --- properties -----------------------------------------------------------------------


@given(json_values)
def test_every_value_equals_itself(value):
    assert loosely_equal(value, value)


@given(json_values, json_values)
def test_equality_is_symmetric(a, b):
    assert loosely_equal(a, b) == loosely_equal(b, a)


@given(json_values, st.randoms(use_true_random=False))
def test_loosened_values_are_equal_both_ways(value, rng):
    loosened = loosen(value, rng)

    assert loosely_equal(value, loosened)
    assert loosely_equal(loosened, value)


@given(json_values)
def test_json_round_trip_never_counts(value):
    assert loosely_equal(value, json.loads(json.dumps(value)))


@given(st.integers())
def test_a_number_equals_its_text(number):
    assert loosely_equal(number, str(number))
    assert loosely_equal(str(number), number)


@given(st.lists(json_values, max_size=6), st.randoms(use_true_random=False))
def test_list_order_and_duplicates_never_count(items, rng):
    shuffled = items + items[: rng.randint(0, len(items))]
    rng.shuffle(shuffled)

    assert loosely_equal(items, shuffled)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5), st.text(max_size=5))
def test_null_equals_missing_inside_objects(obj, key):
    with_null = {**obj, key: None}
    without = {k: v for k, v in obj.items() if k != key}

    assert loosely_equal(with_null, without)


@given(st.text(max_size=8), st.text(max_size=8))
def test_different_texts_differ(a, b):
    assert loosely_equal(a, b) == (a == b)


@given(json_values, json_values, json_values)
def test_equality_is_transitive(a, b, c):
    if loosely_equal(a, b) and loosely_equal(b, c):
        assert loosely_equal(a, c)


# --- examples -------------------------------------------------------------------------


def test_two_equals_text_two():
    assert loosely_equal(2, "2")
    assert loosely_equal(2.0, "2")
    assert loosely_equal(Decimal("2.00"), 2)


def test_fractions_compare_by_their_exact_decimal():
    assert loosely_equal(0.5, "0.5")
    assert loosely_equal(Decimal("0.50"), 0.5)
    assert not loosely_equal(0.1, 0.2)


def test_booleans_compare_as_json_text():
    assert loosely_equal(True, "true")
    assert not loosely_equal(True, 1)


def test_tags_in_another_order_with_duplicates_are_equal():
    assert loosely_equal(["web", "prod"], ["prod", "web", "web"])


def test_a_missing_tag_is_a_difference():
    assert not loosely_equal(["web", "prod"], ["web"])


def test_nested_objects_compare_key_by_key():
    expected = {"image": {"slug": "ubuntu", "id": 1}, "features": ["a", "b"]}

    assert loosely_equal(expected, {"features": ["b", "a"], "image": {"id": "1", "slug": "ubuntu"}})
    assert not loosely_equal(
        expected, {"features": ["a", "b"], "image": {"id": 2, "slug": "ubuntu"}}
    )


def test_null_equals_missing_but_not_empty_values():
    assert loosely_equal(None, MISSING)
    for empty in ("", 0, [], {}, False):
        assert not loosely_equal(None, empty)


def test_a_list_never_equals_a_scalar():
    assert not loosely_equal(["a"], "a")
    assert canonical([]) != canonical({})


# --- resolution -----------------------------------------------------------------------


COLUMNS = {"name": "web-1", "region": "nyc3", "size_slug": "s-1vcpu-1gb", "tags": ["web"]}
ATTRS = {
    "name": "shadowed",
    "memory": 1024,
    "image": {"slug": "ubuntu-24-04-x64", "id": 7},
    "volume_ids": ["v1", "v2"],
    "odd.key": "literal",
}


def test_a_column_wins_over_attrs():
    assert resolve(COLUMNS, ATTRS, "name") == "web-1"


def test_a_field_that_is_not_a_column_resolves_from_attrs():
    assert resolve(COLUMNS, ATTRS, "memory") == 1024


def test_a_dotted_path_walks_into_attrs():
    assert resolve(COLUMNS, ATTRS, "image.slug") == "ubuntu-24-04-x64"
    assert resolve(COLUMNS, ATTRS, "volume_ids.1") == "v2"


def test_a_key_with_a_dot_is_found_before_walking():
    assert resolve(COLUMNS, ATTRS, "odd.key") == "literal"


def test_an_unknown_field_is_missing():
    assert resolve(COLUMNS, ATTRS, "nope") is MISSING
    assert resolve(COLUMNS, ATTRS, "image.nope") is MISSING
    assert resolve(COLUMNS, ATTRS, "memory.slug") is MISSING
    assert resolve(COLUMNS, None, "memory") is MISSING


def test_live_values_are_stored_as_json():
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)

    assert to_json(MISSING) is None
    assert to_json(at) == "2026-03-01T12:00:00+00:00"
    assert to_json(Decimal("2")) == 2
    assert loosely_equal(to_json(at), at)
