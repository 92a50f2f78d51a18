"""Bulk reads and writes that keep memory flat however many rows a month has.

- `stream`: rows of a server-side cursor, one batch in memory at a time;
- `spool` + `row` + `copy_from`: rows written to a temporary file as they are computed
  (in memory up to a bound, on disk beyond it), then sent to Postgres in one
  `COPY ... FROM STDIN`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.db import connection

SPOOL_IN_MEMORY = 128 * 1024  # bytes
COPY_CHUNK = 256 * 1024
FETCH = 1000  # rows per round trip of a server-side cursor


def stream(sql: str, params: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of `sql` from a server-side cursor. One batch is alive at a time: the last
    is released before the next is fetched."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            batch = cursor.fetchmany(FETCH)
            if not batch:
                return
            yield from batch
            batch = None  # let it go before the next fetch


def spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)


def _field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        # COPY's text format: a backslash, tab or newline would break the row.
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)


def row(*values: Any) -> bytes:
    return ("\t".join(_field(v) for v in values) + "\n").encode()


def copy_from(sql: str, source: IO[bytes], *, prefix: bytes = b"") -> None:
    """Streams `source` (rows from `row`) into `COPY <table> (<columns>) FROM STDIN`;
    `prefix` is written before every row (a column only known at write time)."""
    source.seek(0)
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        if prefix:
            for line in source:
                copy.write(prefix + line)
        else:
            while chunk := source.read(COPY_CHUNK):
                copy.write(chunk)
