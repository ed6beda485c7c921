"""Autocomplete over every word of a name, with a fuzzy second chance.

A search box user types ``neta``, ``putin`` or ``zelensky``, not the first
letters of "Benjamin Netanyahu": suggestions match the start of *any word* of a
label or alias (``benjamin neta`` narrows to names holding both words), and
when nothing starts with what was typed, a misspelt word (``zelenski``,
``netanyahoo``) is matched to the closest name words.

The words live in a ``name_tokens`` table that :func:`index_names` adds to a
KB at build time (an indexed range scan per keystroke, also on a Wikidata-sized
KB). A KB built before that table existed is still served, by a scan of its
aliases. This module reads the KB file over its own read-only connection, so it
depends on nothing but the KB's tables.
"""
from __future__ import annotations

import difflib
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..normalize import normalize_alias

TOKENS_SCHEMA = "CREATE TABLE IF NOT EXISTS name_tokens (token TEXT NOT NULL, qid TEXT NOT NULL, PRIMARY KEY (token, qid)) WITHOUT ROWID;"
FUZZY_MIN_CHARS = 4  # shorter words have too many near neighbours to guess from
FUZZY_CUTOFF = 0.75  # difflib ratio between what was typed and the start of a name word
FUZZY_SCAN = 50_000  # name words read per fuzzy guess at most
_END = "\U0010ffff"


def index_names(db: sqlite3.Connection) -> None:
    """Fill ``name_tokens`` from the aliases already written (build time).

    Surnames are left out: they are words of the labels anyway."""
    db.executescript(TOKENS_SCHEMA)
    rows = db.execute("SELECT alias, qid FROM aliases WHERE kind != 'surname'")  # streamed: a Wikidata KB has millions
    db.executemany(
        "INSERT OR IGNORE INTO name_tokens VALUES (?, ?)",
        ((token, qid) for alias, qid in rows for token in set(alias.split())),
    )


def complete(kb: Any, prefix: str, *, limit: int = 10, type_: str | None = None) -> list[Any]:
    """Entities of ``kb`` (a :class:`KnowledgeBase`) for what a user has typed so
    far, most popular first: names starting with it, then names with a word
    starting with each typed word, then (when that finds nothing) close misspellings."""
    key = normalize_alias(prefix)
    if not key:
        return []
    names = _NameIndex.open(Path(kb.path))
    qids = names.by_words(key.split(), limit, type_)
    if not qids and len(key.split()[-1]) >= FUZZY_MIN_CHARS:
        qids = names.by_close_words(key.split(), limit, type_)
    return [e for q in qids if (e := kb.entity(q)) is not None]


class _NameIndex:
    """The KB's name words over one read-only connection per KB file (shared by
    an API server's threads: statements run and are fetched under a lock)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.has_tokens = bool(self._rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'name_tokens'"))

    @staticmethod
    def open(path: Path) -> "_NameIndex":
        stat = path.stat()  # a rebuilt KB (renamed into place) is a new file: a new connection
        return _cached_index(str(path), stat.st_ino, stat.st_mtime_ns)

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def by_words(self, words: list[str], limit: int, type_: str | None) -> list[str]:
        """QIDs whose name starts with the words, or holds a word starting with each."""
        whole = " ".join(words)
        if self.has_tokens:
            per_word = " INTERSECT ".join("SELECT qid FROM name_tokens WHERE token >= ? AND token < ?" for _ in words)
            word_args = tuple(a for w in words for a in (w, w + _END))
        else:  # a KB built before name_tokens: scan the aliases
            per_word = " INTERSECT ".join("SELECT qid FROM aliases WHERE (alias LIKE ? ESCAPE '\\' OR alias LIKE ? ESCAPE '\\')" for _ in words)
            word_args = tuple(a for w in words for a in (_like(w) + "%", "% " + _like(w) + "%"))
        starts = "SELECT qid FROM aliases WHERE alias >= ? AND alias < ? AND kind != 'surname'"
        sql = (  # names that start with what was typed first ("ir": Iran before United Kingdom of … Ireland)
            f"SELECT e.qid FROM entities e WHERE e.qid IN ({starts} UNION {per_word}) AND (? IS NULL OR e.type = ?) "
            f"ORDER BY e.qid IN ({starts}) DESC, e.popularity DESC, e.qid LIMIT ?"
        )
        whole_args = (whole, whole + _END)
        return [q for (q,) in self._rows(sql, (*whole_args, *word_args, type_, type_, *whole_args, limit))]

    def by_close_words(self, words: list[str], limit: int, type_: str | None) -> list[str]:
        """The best guess for a misspelt last word: name words sharing its first
        letter whose start is close to it (earlier words must still match)."""
        if not self.has_tokens:
            return []
        last = words[-1]
        known = [t for (t,) in self._rows("SELECT DISTINCT token FROM name_tokens WHERE token >= ? AND token < ? LIMIT ?", (last[0], last[0] + _END, FUZZY_SCAN))]
        starts: dict[str, list[str]] = {}
        for token in known:
            starts.setdefault(token[: len(last) + 1], []).append(token)
        close = difflib.get_close_matches(last, list(starts), n=5, cutoff=FUZZY_CUTOFF)
        out: list[str] = []
        for start in close:
            for qid in self.by_words([*words[:-1], start], limit, type_):
                if qid not in out:
                    out.append(qid)
        return out[:limit]


@lru_cache(maxsize=8)
def _cached_index(path: str, _inode: int, _mtime: int) -> _NameIndex:
    return _NameIndex(Path(path))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
