"""Staging for resumable imports: kept records and checkpoints in a SQLite file
next to the target KB, shared by the dump and SPARQL imports."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .build import CACHE_KIB, EntityRecord

STAGING_SUFFIX = ".dump-staging"
# The staging file's page cache while the merge reads it front to back, KiB: the KB being
# written holds the import's cache then (build.CACHE_KIB).
READ_CACHE_KIB = 64


class Staging:
    """A SQLite file of staged records and checkpoints, next to the target KB."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-{CACHE_KIB};"
            "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS records (qid TEXT PRIMARY KEY, record TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS edges (child TEXT NOT NULL, parent TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS edges_parent ON edges (parent);"
        )

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set(self, **values: Any) -> None:
        self.db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", [(k, str(v)) for k, v in values.items()])

    def put(self, records: Iterable[EntityRecord]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO records VALUES (?, ?)", [(r.qid, json.dumps(asdict(r), ensure_ascii=False)) for r in records]
        )

    def put_new(self, records: Iterable[EntityRecord]) -> int:
        """Stage the records whose QID is not staged yet (an item listed under a second
        class or type keeps the first); how many were new."""
        cur = self.db.executemany(
            "INSERT OR IGNORE INTO records VALUES (?, ?)", [(r.qid, json.dumps(asdict(r), ensure_ascii=False)) for r in records]
        )
        return max(0, cur.rowcount)

    def records(self) -> Iterator[EntityRecord]:
        """The staged records, read front to back (the merge: its KB holds the cache)."""
        self.db.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
        for (text,) in self.db.execute("SELECT record FROM records ORDER BY rowid"):
            yield EntityRecord(**json.loads(text))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM records").fetchone()[0]

    def commit(self) -> None:
        self.db.commit()

    def reset(self) -> None:
        self.db.executescript("DELETE FROM state; DELETE FROM records; DELETE FROM edges;")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def remove(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)


def staging_path(target: Path) -> Path:
    return Path(str(target) + STAGING_SUFFIX)
