"""Billing months (DESIGN.md, "The month"): the UTC calendar month, from the 1st at 00:00Z
to the next 1st. A month is represented by the `date` of its 1st."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from arcadia.errors import InvalidInput

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> date:
    """`"2026-03"` -> `date(2026, 3, 1)`. Anything else (`2026-13`, `26-1`, `2026-3`,
    `2026-03-01`) is InvalidInput naming the expected form."""
    match = _MONTH_RE.fullmatch(str(text).strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise InvalidInput(f"Invalid month {text!r}: expected YYYY-MM, e.g. 2026-03.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_text(month: date) -> str:
    return f"{month:%Y-%m}"


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def month_of(moment: datetime) -> date:
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of the month as aware UTC datetimes."""
    end = next_month(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=UTC),
        datetime(end.year, end.month, 1, tzinfo=UTC),
    )


def refuse_future(month: date, *, now: datetime) -> None:
    """The current month is allowed (month to date); a later one is InvalidInput."""
    if month > month_of(now):
        raise InvalidInput(f"{month_text(month)} is in the future: nothing to bill yet.")


def has_ended(month: date, *, now: datetime) -> bool:
    return month < month_of(now)
