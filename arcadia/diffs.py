"""Readable diffs for the console: the audit log's `changes` (field -> [old, new]) as lines
an operator reads like a changelog, instead of a JSON blob.

- `field: old → new` for scalars;
- lists as the items added and removed (`+ item`, `- item`), not two long lists;
- objects compared key by key, the changed keys' lines folded in a `<details>` so a
  node pool or a firewall's rules open on demand.

Two functions, both returning safe HTML (every value escaped): `render_changes` for a
changes dict and `render_value` for one value. Styling is `arcadia/static/arcadia/console.css`
(class names `diff-*`); no inline styles, the CSP refuses none but the console keeps CSS in
one file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

ARROW = "→"
# A key present on one side only reads as this on the other.
ABSENT = object()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _scalar(value: Any) -> SafeString:
    if value is ABSENT:
        return format_html('<span class="diff-absent">{}</span>', "(absent)")
    if value is None:
        return format_html('<span class="diff-null">{}</span>', "null")
    if isinstance(value, str):
        text = value if value else '""'
        return format_html('<code class="diff-value" title="{}">{}</code>', value, text)
    return format_html('<code class="diff-value">{}</code>', _canonical(value))


def render_value(value: Any) -> SafeString:
    """One value as HTML: scalars inline, short lists of scalars inline, objects and lists
    of objects folded in a `<details>` whose summary says how many fields or items."""
    if isinstance(value, Mapping):
        if not value:
            return format_html('<code class="diff-value">{}</code>', "{}")
        return format_html(
            '<details class="diff-object"><summary>{} field{}</summary><dl>{}</dl></details>',
            len(value),
            "" if len(value) == 1 else "s",
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((key, render_value(value[key])) for key in sorted(value, key=str)),
            ),
        )
    if isinstance(value, list):
        if not value:
            return format_html('<code class="diff-value">{}</code>', "[]")
        if all(not isinstance(item, (Mapping, list)) for item in value):
            return format_html(
                '<span class="diff-list">[{}]</span>',
                format_html_join(", ", "{}", ((_scalar(item),) for item in value)),
            )
        return format_html(
            '<details class="diff-object"><summary>{} item{}</summary><ol>{}</ol></details>',
            len(value),
            "" if len(value) == 1 else "s",
            format_html_join("", "<li>{}</li>", ((render_value(item),) for item in value)),
        )
    return _scalar(value)


def _list_lines(old: list, new: list) -> SafeString:
    """The items only one side has: `+` added (in new), `-` removed (only in old)."""
    old_keys = {_canonical(item) for item in old}
    new_keys = {_canonical(item) for item in new}
    added = [item for item in new if _canonical(item) not in old_keys]
    removed = [item for item in old if _canonical(item) not in new_keys]
    if not added and not removed:
        # Same items, another order (or duplicates): say so rather than show nothing.
        return format_html(
            '<span class="diff-note">reordered</span>: {} {} {}',
            render_value(old),
            ARROW,
            render_value(new),
        )
    lines = [
        *(format_html('<li class="diff-added">+ {}</li>', render_value(i)) for i in added),
        *(format_html('<li class="diff-removed">- {}</li>', render_value(i)) for i in removed),
    ]
    return format_html('<ul class="diff-items">{}</ul>', mark_safe("".join(lines)))


def _object_lines(old: Mapping, new: Mapping) -> SafeString:
    keys = sorted({*old, *new}, key=str)
    changed = {
        str(key): [old.get(key, ABSENT), new.get(key, ABSENT)]
        for key in keys
        if (key in old) != (key in new) or _canonical(old[key]) != _canonical(new[key])
    }
    if not changed:
        return format_html('<span class="diff-note">{}</span>', "unchanged")
    return format_html(
        '<details class="diff-object"><summary>{} key{} changed</summary>{}</details>',
        len(changed),
        "" if len(changed) == 1 else "s",
        render_changes(changed),
    )


def _line(old: Any, new: Any) -> SafeString:
    if isinstance(old, list) and isinstance(new, list):
        return _list_lines(old, new)
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return _object_lines(old, new)
    return format_html(
        '<span class="diff-old">{}</span> {} <span class="diff-new">{}</span>',
        render_value(old),
        ARROW,
        render_value(new),
    )


def render_changes(changes: Mapping[str, Any]) -> SafeString:
    """The audit log's changes (field -> [old, new]) as one line per field:
    `field: old → new`. A value that is not an [old, new] pair (an older event's shape)
    is shown as it is."""
    if not changes:
        return format_html('<span class="diff-note">{}</span>', "no changes")
    lines = []
    for field in sorted(changes, key=str):
        pair = changes[field]
        body = (
            _line(pair[0], pair[1])
            if isinstance(pair, (list, tuple)) and len(pair) == 2
            else render_value(pair)
        )
        lines.append(
            format_html('<li><span class="diff-field">{}</span>: {}</li>', str(field), body)
        )
    return format_html('<ul class="diff">{}</ul>', mark_safe("".join(lines)))
