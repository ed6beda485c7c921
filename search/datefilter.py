"""Date filters as users type them: ``--since 2017``, ``--until 2017-02``, ``until=Feb 2017``.

A *filter* bound is not an article's date (``indexer.dates`` parses those): a
partial date names a span, so ``since`` takes its first instant and ``until``
its last — ``--since 2017`` is 2017-01-01T00:00:00 and ``--until 2017-02`` is
2017-02-28T23:59:59. Fields the user left out are never filled from *today*
(dateutil's default), or the answer would change with the day it is run.
``02/03/2017`` reads as 2 March in most of the world and 3 February in the US,
so it is refused with both spellings to choose from. Bounds the engines cannot
represent (tantivy stores nanoseconds in an i64: 1677-09-21 to 2262-04-11) are
refused here (the range articles' dates are kept in), before an engine fails on them.
"""
from __future__ import annotations

import calendar
import re
from datetime import datetime, timezone

from dateutil import parser as dateutil_parser

from newslink.indexer.dates import EARLIEST as EARLIEST_ISO
from newslink.indexer.dates import LATEST as LATEST_ISO
from newslink.indexer.dates import BadDate

# The instants an index holds (the articles' own range): a bound outside it would fail in tantivy.
EARLIEST = datetime.fromisoformat(EARLIEST_ISO)
LATEST = datetime.fromisoformat(LATEST_ISO)

# Two defaults that differ in every field: a field dateutil fills from them differs
# between the two parses, a field the user typed does not.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2004, 2, 2, 1, 1, 1)
_FIELDS = ("year", "month", "day", "hour", "minute", "second")
_TIMESTAMP = re.compile(r"[+-]?\d{9,}(?:\.\d+)?")  # Unix seconds (or milliseconds) as digits
_NUMERIC_DAY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")


def parse_bound(value: str | None, *, end: bool) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS`` (naive UTC) for a ``since`` (``end=False``) or
    ``until`` (``end=True``) bound; None for empty; :class:`BadDate` with the reason
    for anything unreadable, ambiguous or out of the engines' range."""
    text = (value or "").strip()
    if not text:
        return None
    if _TIMESTAMP.fullmatch(text):
        number = float(text)
        try:  # milliseconds past 1e11, as indexer.dates reads article timestamps
            moment = datetime.fromtimestamp(number / 1000 if abs(number) > 1e11 else number, tz=timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise BadDate(f"timestamp out of range: {text[:40]!r}") from exc
        return _in_range(moment.replace(tzinfo=None), text)
    numeric = _NUMERIC_DAY.fullmatch(text)
    if numeric and numeric.group(1) != numeric.group(2) and int(numeric.group(1)) <= 12 and int(numeric.group(2)) <= 12:
        a, b, year = numeric.groups()
        year = year if len(year) == 4 else f"20{year}"
        raise BadDate(f"ambiguous date {text!r}: write {year}-{int(a):02d}-{int(b):02d} or {year}-{int(b):02d}-{int(a):02d}")
    try:
        first = dateutil_parser.parse(text, default=_DEFAULT_A)
        second = dateutil_parser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError) as exc:
        raise BadDate(f"cannot parse date {text[:40]!r} (use YYYY, YYYY-MM or YYYY-MM-DD)") from exc
    given = {f for f in _FIELDS if getattr(first, f) == getattr(second, f)}
    if "year" not in given:
        raise BadDate(f"no year in {text[:40]!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    parts = {f: getattr(first, f) for f in _FIELDS}
    if end:
        parts["month"] = parts["month"] if "month" in given else 12
        parts["day"] = parts["day"] if "day" in given else calendar.monthrange(parts["year"], parts["month"])[1]
        for name, last in (("hour", 23), ("minute", 59), ("second", 59)):
            if name not in given:
                parts[name] = last
    moment = datetime(**parts, tzinfo=first.tzinfo)
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError as exc:
            raise BadDate(f"date out of range: {text[:40]!r}") from exc
    return _in_range(moment, text)


def _in_range(moment: datetime, text: str) -> str:
    if not EARLIEST <= moment <= LATEST:
        raise BadDate(f"{text[:40]!r} is outside the dates the index can hold ({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d})")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
