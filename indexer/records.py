"""Turning one raw record (a dict from JSONL or CSV) into an Article.

Kept apart from the readers so every format applies the same field names, the same
checks and the same problem messages.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .article import Article, stable_id
from .dates import BadDate, parse_date

# Field names seen in real news dumps, mapped to the Article field they feed.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "article_id", "doc_id", "guid", "uuid"),
    "title": ("title", "headline", "heading", "name"),
    "text": ("text", "body", "content", "article", "description", "short_description", "summary"),
    "published": ("published", "publish_date", "published_at", "date", "pubdate", "datetime", "timestamp"),
    "source": ("source", "outlet", "publisher", "site", "source_name"),
    "url": ("url", "link", "article_source_link", "href"),
}
MAX_TEXT_CHARS = 2_000_000  # longer bodies are cut (and a warning says so)


@dataclass(slots=True)
class Problem:
    """Something wrong with one record: where it is and what is wrong.

    ``fatal`` problems cost the record (it is skipped); others are warnings and
    the record is still indexed.
    """

    path: str
    line: int | None
    message: str
    fatal: bool = True
    raw: str | None = None  # the offending record, for a dead-letter file

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        kind = "error" if self.fatal else "warning"
        return f"{where}: {kind}: {self.message}"


def _pick(record: dict[str, Any], name: str) -> tuple[str | None, Any]:
    for key in FIELD_ALIASES[name]:
        if key in record and record[key] not in (None, ""):
            return key, record[key]
    return None, None


def _as_text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"field '{field}' must be a string, got {type(value).__name__}")


def record_to_article(
    record: Any, *, path: str, line: int | None, default_source: str | None = None
) -> tuple[Article | None, list[Problem]]:
    """Validate and map a raw record; return the article (or None) and its problems."""
    problems: list[Problem] = []

    def problem(msg: str, fatal: bool = True) -> None:
        problems.append(Problem(path, line, msg, fatal))

    if not isinstance(record, dict):
        problem(f"expected a JSON object, got {type(record).__name__}")
        return None, problems
    used: set[str] = set()
    values: dict[str, Any] = {}
    try:
        for name in ("id", "title", "text", "source", "url"):
            key, raw = _pick(record, name)
            if key:
                used.add(key)
            values[name] = _as_text(raw, key or name).strip()
    except TypeError as exc:
        problem(str(exc))
        return None, problems
    title, text = values["title"], values["text"]
    if not title and not text:
        problem("no title and no text")
        return None, problems
    if not text:
        problem("missing text: indexed with its title only", fatal=False)
    if not title:
        title = _title_from_text(text)
        problem("missing title: used the first words of the text", fatal=False)
    if len(text) > MAX_TEXT_CHARS:
        problem(f"text of {len(text):,} characters cut to {MAX_TEXT_CHARS:,}", fatal=False)
        text = text[:MAX_TEXT_CHARS]
    key, raw_date = _pick(record, "published")
    if key:
        used.add(key)
    try:
        published = parse_date(raw_date)
    except BadDate as exc:
        problem(f"bad date in '{key}': {exc}; indexed without a date", fatal=False)
        published = None
    meta = {k: v for k, v in record.items() if k not in used and v is not None}
    article_id = values["id"] or stable_id(
        url=values["url"] or None, title=title, published=published, text=text
    )
    article = Article(
        id=article_id,
        title=title,
        text=text,
        published=published,
        source=values["source"] or default_source,
        url=values["url"] or None,
        meta=meta,
    )
    return article, problems


def _title_from_text(text: str, words: int = 12) -> str:
    head = text.split()
    title = " ".join(head[:words])
    return title + ("…" if len(head) > words else "")
