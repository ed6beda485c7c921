"""Compiling entity records into the SQLite KB.

Every source (the starter TSVs shipped in the package, a Wikidata dump, SPARQL
results) produces :class:`EntityRecord` objects; :func:`build_kb` writes them all
into a temp file and renames it over the old KB, so an interrupted build never
leaves a half-written KB behind.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..normalize import normalize_alias
from ..processes import pid_alive
from ..schema import FACET_TYPES, is_qid
from .complete import index_names
from .store import SCHEMA, KBError

TSV_COLUMNS = ("qid", "type", "label", "kind", "popularity", "description", "aliases", "demonyms")
# Particles that are not a surname on their own ("bin Salman" -> "Salman" is fine,
# "bin" is not).
_NAME_PARTICLES = {"bin", "ibn", "al", "el", "de", "da", "van", "von", "der", "la", "le", "di", "du", "jr", "sr", "ii", "iii"}


@dataclass(slots=True)
class EntityRecord:
    qid: str
    type: str
    label: str
    kind: str = ""
    popularity: float = 0.0
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    demonyms: list[str] = field(default_factory=list)
    origin: str = "starter"


class KBDataError(KBError, ValueError):
    """A line of KB source data is malformed (a KB problem: exit 4; still a ValueError for old callers)."""


def starter_files() -> list[Path]:
    """The TSV files of the starter KB shipped inside the package."""
    folder = resources.files("newslink.indexer") / "kb_data"
    return sorted(Path(str(p)) for p in folder.iterdir() if str(p).endswith(".tsv"))


def starter_hash() -> str:
    digest = hashlib.sha1()
    for path in starter_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_tsv(path: Path, origin: str = "starter") -> Iterator[EntityRecord]:
    """Parse one starter TSV; a malformed line raises with file and line."""
    with open(path, encoding="utf-8") as handle:
        header: tuple[str, ...] | None = None
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = tuple(c.strip() for c in cells)
                if header != TSV_COLUMNS:
                    raise KBDataError(f"{path}:{number}: header must be {' '.join(TSV_COLUMNS)}")
                continue
            if len(cells) != len(TSV_COLUMNS):
                raise KBDataError(f"{path}:{number}: expected {len(TSV_COLUMNS)} columns, got {len(cells)}")
            row = dict(zip(TSV_COLUMNS, (c.strip() for c in cells)))
            if not is_qid(row["qid"]):
                raise KBDataError(f"{path}:{number}: bad QID {row['qid']!r}")
            if row["type"] not in FACET_TYPES:
                raise KBDataError(f"{path}:{number}: bad type {row['type']!r}")
            try:
                popularity = float(row["popularity"] or 0)
            except ValueError as exc:
                raise KBDataError(f"{path}:{number}: bad popularity {row['popularity']!r}") from exc
            yield EntityRecord(
                qid=row["qid"],
                type=row["type"],
                label=row["label"],
                kind=row["kind"],
                popularity=popularity,
                description=row["description"],
                aliases=[a.strip() for a in row["aliases"].split("|") if a.strip()],
                demonyms=[d.strip() for d in row["demonyms"].split("|") if d.strip()],
                origin=origin,
            )


def starter_records() -> Iterator[EntityRecord]:
    for path in starter_files():
        yield from read_tsv(path)


def surnames(label: str) -> list[str]:
    """Short forms a person is called by after the first mention ("Biden")."""
    tokens = [t for t in re.split(r"\s+", label.strip()) if t]
    tokens = [t for t in tokens if not re.fullmatch(r"[A-Z]\.?", t)]  # initials
    while tokens and tokens[-1].lower().strip(".,") in _NAME_PARTICLES:
        tokens.pop()
    if len(tokens) < 2:
        return []
    last = tokens[-1]
    out = [last] if len(last) >= 3 else []
    if len(tokens) >= 3 and tokens[-2].lower() in _NAME_PARTICLES:
        out.append(" ".join(tokens[-2:]))
    return out


def alias_rows(rec: EntityRecord) -> Iterator[tuple[str, str, str, str]]:
    yield normalize_alias(rec.label), rec.qid, "label", rec.label
    for alias in rec.aliases:
        yield normalize_alias(alias), rec.qid, "alias", alias
    for demonym in rec.demonyms:
        yield normalize_alias(demonym), rec.qid, "demonym", demonym
    if rec.type == "person":
        for short in surnames(rec.label):
            yield normalize_alias(short), rec.qid, "surname", short


def remove_abandoned_builds(folder: Path) -> list[Path]:
    """Delete the temp files of KB builds whose process is gone.

    A build killed with SIGKILL cannot clean up its ``.kb-<pid>-*.sqlite.tmp``
    (a full Wikidata import leaves gigabytes); the next build removes it. A temp
    file of a build still running (its PID alive) is left alone.
    """
    removed = []
    for tmp in folder.glob(".kb-*.sqlite.tmp"):
        parts = tmp.name.split("-")
        pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
        if pid is not None and pid_alive(pid):
            continue
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    return removed


def build_kb(
    target: Path,
    records: Iterable[EntityRecord],
    *,
    sources: list[str],
    extra_meta: dict[str, str] | None = None,
) -> dict:
    """Write ``records`` into a fresh KB at ``target`` (atomically). Later records
    with the same QID add aliases and keep the higher popularity."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".kb-{os.getpid()}-", suffix=".sqlite.tmp", dir=target.parent)
    os.close(fd)
    started = time.time()
    count = 0
    try:
        db = sqlite3.connect(tmp_name)
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        for rec in records:
            if not rec.label or not rec.qid:
                continue
            existing = db.execute("SELECT popularity, origin FROM entities WHERE qid = ?", (rec.qid,)).fetchone()
            if existing is None:
                db.execute(
                    "INSERT INTO entities VALUES (?,?,?,?,?,?,?)",
                    (rec.qid, rec.type, rec.label, rec.kind, rec.description, rec.popularity, rec.origin),
                )
                count += 1
            elif rec.popularity > existing[0]:
                db.execute("UPDATE entities SET popularity = ? WHERE qid = ?", (rec.popularity, rec.qid))
            db.executemany(
                "INSERT OR IGNORE INTO aliases VALUES (?,?,?,?)",
                [row for row in alias_rows(rec) if row[0]],
            )
        index_names(db)  # words of every name, for autocomplete by any word
        meta = {
            "version": time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + starter_hash(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "starter_hash": starter_hash(),
            "sources": json.dumps(sources),
            "entities": str(count),
        }
        meta.update(extra_meta or {})
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        db.commit()
        db.execute("VACUUM")
        db.close()
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return {"entities": count, "seconds": round(time.time() - started, 2), "path": str(target)}


def build_starter_kb(target: Path) -> dict:
    return build_kb(target, starter_records(), sources=["starter"])
