"""Turning one raw record (a dict from JSONL or CSV) into an Article.

Kept apart from the readers so every format applies the same field names, the same
checks and the same problem messages.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .article import Article, stable_id
from .dates import BadDate, parse_published

# Field names seen in real news dumps, mapped to the Article field they feed.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "article_id", "doc_id", "guid", "uuid"),
    "title": ("title", "headline", "heading", "name"),
    "text": ("text", "body", "content", "article", "description", "short_description", "summary"),
    "published": ("published", "publish_date", "published_at", "date", "pubdate", "datetime", "timestamp"),
    "source": ("source", "outlet", "publisher", "site", "source_name"),
    "url": ("url", "link", "article_source_link", "href"),
}
# Longer bodies are cut (and a warning says so). The cut keeps title + text well
# under spaCy's ``max_length`` (1,000,000): past it ``nlp.pipe`` raises and the
# whole job would die on one record. Real news pieces, long reads included, stay
# far below 200,000 characters; bodies past it are almost always dumps or
# concatenation accidents, and NER time grows linearly with length.
MAX_TEXT_CHARS = 200_000
MAX_TITLE_CHARS = 1_000
# Keyword fields: Elasticsearch rejects an ``_id`` over 512 bytes and tantivy
# terms over 65,530 bytes, so an over-long id is an error (the source must fix
# it) and an over-long source name is cut.
MAX_ID_BYTES = 512
MAX_SOURCE_CHARS = 200

DEAD_LETTER_MARK = "newslink_dead_letter"
DEAD_LETTER_VERSION = 1


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
    # The offending record, complete, for a dead-letter file (see
    # :meth:`dead_letter`): ``raw`` is its source text (a JSON line, a CSV row),
    # ``record`` the parsed JSON object when it parsed into one.
    raw: str | None = None
    record: dict[str, Any] | None = None
    format: str | None = None  # "jsonl", "csv", "tsv": how ``raw`` parses
    header: list[str] | None = None  # CSV/TSV: the header ``raw`` goes with
    origin: dict[str, Any] | None = None  # where a re-fed record was first rejected

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        kind = "error" if self.fatal else "warning"
        return f"{where}: {kind}: {self.message}"

    def dead_letter(self) -> dict[str, Any]:
        """This rejected record as one line of a dead-letter file.

        The line is re-feedable: fix ``record`` (an object) or the ``record``
        text (a JSON line or a CSV row), then index the dead-letter file itself;
        readers recognise the ``newslink_dead_letter`` key and index the record
        inside. ``record`` is null when there is nothing to re-feed (a file that
        cannot be read, an empty or binary file): fix the file named in ``path``.
        """
        entry: dict[str, Any] = {
            DEAD_LETTER_MARK: DEAD_LETTER_VERSION,
            "path": self.path,
            "line": self.line,
            "error": self.message,
            "record": self.record if self.record is not None else self.raw,
        }
        if self.record is None and self.raw is not None and self.format:
            entry["format"] = self.format
            if self.header is not None:
                entry["header"] = self.header
        if self.origin:
            entry["origin"] = self.origin
        return entry

    def dead_letter_line(self) -> str:
        """:meth:`dead_letter` as one JSON line that is always valid UTF-8."""
        entry = self.dead_letter()
        try:
            line = json.dumps(entry, ensure_ascii=False)
            line.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from a JSON "\ud800": keep them escaped
            line = json.dumps(entry, ensure_ascii=True)
        except ValueError:  # not JSON-able at all (cannot happen for parsed JSON); keep the text
            entry["record"] = self.raw
            line = json.dumps(entry, ensure_ascii=True, default=str)
        # JSON leaves these raw inside strings, but str.splitlines() and many editors break
        # lines at them: escaped, the entry is one line for any reader (they occur only in strings).
        return line.translate(_LINE_BREAKS_JSON_KEEPS) + "\n"


_LINE_BREAKS_JSON_KEEPS = {ord(ch): f"\\u{ord(ch):04x}" for ch in "\x85\u2028\u2029"}


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
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"field '{field}' must be a string, got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError as exc:  # an int of more than 4,300 digits
            raise TypeError(f"field '{field}' must be a string, got a number too long to read") from exc
    raise TypeError(f"field '{field}' must be a string, got {type(value).__name__}")


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")
# Line breaks and control characters in an id: a URL path cannot carry them
# (``GET /articles/{id}`` would never find the article), a terminal shows them wrong.
_ID_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _fix_surrogates(text: str) -> str:
    """Lone surrogates (JSON "\\ud800" escapes) cannot be stored as UTF-8: U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _clean(value: Any, fixed: list[str]) -> Any:
    """Make a meta value storable by every engine: valid UTF-8, finite numbers."""
    if isinstance(value, str):
        if _has_surrogates(value):
            fixed.append("invalid Unicode")
            return _fix_surrogates(value)
        return value
    if isinstance(value, float) and not math.isfinite(value):
        fixed.append("non-finite number")
        return None
    if isinstance(value, dict):
        return {_clean(str(k), fixed): _clean(v, fixed) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, fixed) for v in value]
    return value


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
    bad_unicode = [name for name, value in values.items() if _has_surrogates(value)]
    if bad_unicode:
        values = {name: _fix_surrogates(value) for name, value in values.items()}
        problem(f"invalid Unicode (lone surrogates) in {', '.join(bad_unicode)}: replaced by U+FFFD", fatal=False)
    if _ID_BREAKS.search(values["id"]):
        values["id"] = _ID_BREAKS.sub(" ", values["id"]).strip()
        problem("id holds line breaks or control characters: each run replaced by one space", fatal=False)
    if len(values["id"].encode("utf-8")) > MAX_ID_BYTES:
        problem(f"id of {len(values['id'].encode('utf-8')):,} bytes; the limit is {MAX_ID_BYTES}")
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
    if len(title) > MAX_TITLE_CHARS:
        problem(f"title of {len(title):,} characters cut to {MAX_TITLE_CHARS:,}", fatal=False)
        title = title[:MAX_TITLE_CHARS]
    if len(text) > MAX_TEXT_CHARS:
        problem(f"text of {len(text):,} characters cut to {MAX_TEXT_CHARS:,}", fatal=False)
        text = text[:MAX_TEXT_CHARS]
    if len(values["source"]) > MAX_SOURCE_CHARS:
        problem(f"source name of {len(values['source']):,} characters cut to {MAX_SOURCE_CHARS}", fatal=False)
        values["source"] = values["source"][:MAX_SOURCE_CHARS].strip()
    key, raw_date = _pick(record, "published")
    if key:
        used.add(key)
    try:
        published = parse_published(raw_date)
    except BadDate as exc:
        problem(f"bad date in '{key}': {exc}; indexed without a date", fatal=False)
        published = None
    fixed: list[str] = []
    meta = {_clean(k, fixed): _clean(v, fixed) for k, v in record.items() if k not in used and v is not None}
    meta = {k: v for k, v in meta.items() if v is not None}
    if fixed:
        problem(f"{' and '.join(sorted(set(fixed)))} in extra fields: replaced", fatal=False)
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
        where=(path, line),
    )
    return article, problems


def _title_from_text(text: str, words: int = 12) -> str:
    head = text.split()
    title = " ".join(head[:words])
    return title + ("…" if len(head) > words else "")
