"""Parsing of publication dates from the many shapes news sources use.

Everything is normalised to naive UTC ISO strings so both engines can range-filter
and sort on one representation.
"""
from __future__ import annotations

from datetime import datetime, timezone

from dateutil import parser as dateutil_parser


class BadDate(ValueError):
    """A date string that could not be understood."""


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


def _format(dt: datetime) -> str:
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def to_datetime(iso: str) -> datetime:
    """Inverse of :func:`parse_date` for the engines (naive UTC)."""
    return datetime.fromisoformat(iso)
