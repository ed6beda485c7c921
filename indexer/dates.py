"""Parsing of publication dates from the many shapes news sources use.

Everything is normalised to naive UTC ISO strings so both engines can range-filter
and sort on one representation.
"""
from __future__ import annotations

from datetime import datetime, timezone

from dateutil import parser as dateutil_parser


class BadDate(ValueError):
    """A date string that could not be understood."""


# The publication dates an index can hold. tantivy stores a date as i64
# nanoseconds since 1970 (1677-09-21 .. 2262-04-11); both engines keep the same
# whole years inside that so an article reads back the same from either.
EARLIEST = "1678-01-01T00:00:00"
LATEST = "2261-12-31T23:59:59"


def parse_date(value: object) -> str | None:
    """Return ``YYYY-MM-DDTHH:MM:SS`` (UTC) for a date-like value, None for empty.

    Accepts ISO 8601, RFC 2822 (RSS), common human forms ("Feb 7, 2017") and Unix
    timestamps; raises :class:`BadDate` for anything else, so the caller can report
    the line instead of silently storing a wrong date.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadDate(f"not a date: {value!r}")
    if isinstance(value, (int, float)):
        try:
            seconds = value / 1000 if value > 1e11 else value
            dt = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise BadDate(f"timestamp out of range: {value!r}") from exc
        return _format(dt)
    if not isinstance(value, str):
        raise BadDate(f"not a date: {type(value).__name__}")
    text = value.strip()
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = dateutil_parser.parse(text)
        except (ValueError, OverflowError) as exc:
            raise BadDate(f"cannot parse date {text[:40]!r}") from exc
    if not 1000 <= dt.year <= 9999:
        raise BadDate(f"year out of range in {text[:40]!r}")
    return _format(dt)


def parse_published(value: object) -> str | None:
    """:func:`parse_date` for a record's publication date, limited to what an index stores.

    A date that parses but lies outside ``EARLIEST``..``LATEST`` (year 1500, 9999,
    the timestamp ``1e10``), or that overflows when moved to UTC, raises
    :class:`BadDate` here, so the reader reports it at its file and line and
    keeps the article without a date; the engine would otherwise reject the
    whole document, far from the record.
    """
    try:
        iso = parse_date(value)
    except BadDate:
        raise
    except (OverflowError, ValueError, TypeError, OSError) as exc:  # 9999-12-31T23:00-05:00 is past year 9999 in UTC
        raise BadDate(f"date out of range: {str(value)[:40]!r}") from exc
    if iso is not None and not EARLIEST <= iso <= LATEST:
        raise BadDate(f"{iso} is outside the dates an index can hold ({EARLIEST[:4]} to {LATEST[:4]})")
    return iso


def _format(dt: datetime) -> str:
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def to_datetime(iso: str) -> datetime:
    """Inverse of :func:`parse_date` for the engines (naive UTC)."""
    return datetime.fromisoformat(iso)
