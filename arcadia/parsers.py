"""The API's one body parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]): JSON, bounded.

DRF's JSONParser reads the whole stream (Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards only
`request.body` and forms) and hands it to `json.load`, which recurses once per nesting
level: `[[[[...` a thousand deep is a RecursionError, a 500. This parser refuses a body
over the upload limit (RequestDataTooBig, a 413) and one nested deeper than
MAX_BODY_DEPTH (a 400 parse error) before anything walks it. Values inside are checked
field by field (arcadia.validation)."""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No body of this API nests deeper than a spec (arcadia.validation.MAX_JSON_DEPTH) in its
# envelope; well past that, and far below Python's recursion limit.
MAX_BODY_DEPTH = 64


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        if nested_deeper_than(raw, MAX_BODY_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_BODY_DEPTH} levels.")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:  # `[[[[…` never closed has no pair to count
            raise ParseError("JSON parse error - nested too deeply.") from exc


# A JSON string, escapes included (the unrolled form: no backtracking per character).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Every opening bracket becomes "[", every closing one "]"; every other byte goes.
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def nested_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` deep (brackets inside
    strings don't count). Without recursion, at C speed: each pass deletes every
    innermost `[]` pair, so one nesting level; what is malformed is the parser's to
    refuse."""
    brackets = _STRING.sub(b"", raw).translate(_BRACKETS, _NOT_BRACKETS)
    too_deep = b"[" * (limit + 1)
    for _ in range(limit):
        if too_deep in brackets:  # the common attack, `[[[[…`, found in one search
            return True
        inner_removed = brackets.replace(b"[]", b"")
        if len(inner_removed) == len(brackets):
            return False
        brackets = inner_removed
    return b"[]" in brackets
