"""Compiling entity records into the SQLite KB.

Every source (the starter TSVs shipped in the package, a Wikidata dump, SPARQL
results) produces :class:`EntityRecord` objects; :func:`build_kb` writes them all
into a temp file and renames it over the old KB, so an interrupted build never
leaves a half-written KB behind.
"""
from __future__ import annotations

import gzip
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
from itertools import chain
from pathlib import Path

from ..allocator import release_free_memory
from ..normalize import normalize_alias
from ..processes import pid_alive
from ..schema import FACET_TYPES, is_qid
from .complete import index_names
from .locate import fill_locations, located_file
from .ranked import rank_candidates
from .store import SCHEMA, KBDataError, KBError
from .tsv import data_rows

TSV_COLUMNS = ("qid", "type", "label", "kind", "popularity", "description", "aliases", "demonyms")
# The compiled open data (kb_data/open/*.tsv.gz) adds where an entity is: country and admin-1 QIDs.
OPEN_COLUMNS = TSV_COLUMNS + ("country", "admin1")
# What a KB can be built from besides a Wikidata dump or SPARQL: the curated starter
# TSVs (always) and the compiled open data (off unless asked for, see kb_sources()).
KB_SOURCES = ("starter", "open")
# Particles that are not a surname on their own ("bin Salman" -> "Salman" is fine,
# "bin" is not).
# SQLite's memory in an import, KiB (SQLite's default page cache): the staging file's cache
# while the dump streams; while the KB merges, the staging file is read with a few pages
# (staging.READ_CACHE_KIB) and the KB's connection gets a quarter each for its main and temp
# caches and ~1 MiB for a sort (SQLite's sorter minimum): the same bound, so the import's
# memory stays flat from the first item to the last (bench/kb_scale.py: 42 vs 35 MiB before).
CACHE_KIB = 2000
VACUUM_CACHE_KIB = 128
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
    country: str = ""  # QID of the country the entity is in / belongs to
    admin1: str = ""  # QID of the first-level region a place is in


def starter_files() -> list[Path]:
    """The TSV files of the starter KB shipped inside the package."""
    folder = resources.files("newslink.indexer") / "kb_data"
    return sorted(Path(str(p)) for p in folder.iterdir() if str(p).endswith(".tsv"))


# Bumped when what a build derives changes (surnames below; "3": every entity's country
# filled from the shipped tables, locate.py): a KB built from the starter data alone is
# then rebuilt on next use, as when the data changes.
ALIAS_RULES = "6"  # 4: each name's candidates ranked at build time (ranked.py); 5: as packed lists; 6: deflated
# A label that names a person by title or reign has no surname to call them by:
# "Pope John Paul II" is not "Paul", "Prince Harry, Duke of Sussex" not "Sussex".
_REGNAL_TITLES = {"pope", "king", "queen", "prince", "princess", "emperor", "empress", "sultan", "emir", "sheikh", "saint", "st"}
_ROMAN = re.compile(r"[IVX]+")


def starter_hash(sources: Iterable[str] = ("starter",)) -> str:
    """Hash of the shipped data a KB was built from: the starter TSVs, and the open data's
    files and the curated locations, which say where its entities lie even when the open
    entities are left out (``locate.py``)."""
    digest = hashlib.sha1(ALIAS_RULES.encode())
    for path in starter_files() + open_files() + [located_file()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _open_text(path: Path):
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    return open(path, encoding="utf-8")


def read_tsv(path: Path, origin: str = "starter") -> Iterator[EntityRecord]:
    """Parse one KB TSV (the starter's, or a compiled ``.tsv.gz`` with the extra
    ``country``/``admin1`` columns); a malformed line raises with file and line."""
    with _open_text(path) as handle:
        header: tuple[str, ...] | None = None
        for number, cells in data_rows(handle):
            if header is None:
                header = tuple(c.strip() for c in cells)
                if header not in (TSV_COLUMNS, OPEN_COLUMNS):
                    raise KBDataError(f"{path}:{number}: header must be {' '.join(TSV_COLUMNS)} [country admin1]")
                continue
            if len(cells) != len(header):
                raise KBDataError(f"{path}:{number}: expected {len(header)} columns, got {len(cells)}")
            row = dict(zip(header, (c.strip() for c in cells)))
            if not is_qid(row["qid"]):
                raise KBDataError(f"{path}:{number}: bad QID {row['qid']!r}")
            for column in ("country", "admin1"):
                if row.get(column) and not is_qid(row[column]):
                    raise KBDataError(f"{path}:{number}: bad {column} QID {row[column]!r}")
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
                country=row.get("country", ""),
                admin1=row.get("admin1", ""),
            )


def _cell(text: str) -> str:
    """A TSV cell: no tabs, newlines or the alias separator inside one value."""
    return re.sub(r"[\t\r\n|]+", " ", text).strip()


def write_open_tsv(path: Path, records: Iterable[EntityRecord]) -> int:
    """Write compiled records as a gzipped TSV with :data:`OPEN_COLUMNS` (what
    :func:`read_tsv` reads). Byte-for-byte reproducible: no timestamp in the gzip header."""
    count = 0
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(("\t".join(OPEN_COLUMNS) + "\n").encode())
        for rec in records:
            cells = [rec.qid, rec.type, _cell(rec.label), rec.kind, f"{rec.popularity:g}", _cell(rec.description),
                     "|".join(_cell(a) for a in rec.aliases if _cell(a)), "|".join(_cell(d) for d in rec.demonyms if _cell(d)),
                     rec.country, rec.admin1]
            gz.write(("\t".join(cells) + "\n").encode())
            count += 1
    return count


def starter_records() -> Iterator[EntityRecord]:
    for path in starter_files():
        yield from read_tsv(path)


def open_files() -> list[Path]:
    """The compiled open-data files shipped in the package (``kb_data/open/*.tsv.gz``)."""
    folder = resources.files("newslink.indexer") / "kb_data" / "open"
    if not folder.is_dir():
        return []
    return sorted(Path(str(p)) for p in folder.iterdir() if str(p).endswith(".tsv.gz"))


def open_records() -> Iterator[EntityRecord]:
    """Entities compiled from open datasets (gazetteers, parties, legislators, brands):
    they come after every other source in a build, which wins where it holds a QID."""
    for path in open_files():
        yield from read_tsv(path, origin="open")


def kb_sources(requested: Iterable[str] | None = None, without: Iterable[str] = ()) -> list[str]:
    """Which shipped data a KB build uses: ``requested`` (``kb build --with open``),
    else ``$NEWSLINK_KB_SOURCES`` (comma-separated: ``starter`` alone leaves the open
    data out), else all of it; less ``without`` (``kb build --without open``).

    The open data (100k places, 24k brands, 4k parties) is on by default since the
    linker asks evidence of its weak namesakes (``linking/namesakes.py``) and the
    gazetteer no longer grows with the KB.
    """
    if requested is None:
        requested = [s for s in os.environ.get("NEWSLINK_KB_SOURCES", "").replace(" ", "").split(",") if s] or list(KB_SOURCES)
    requested = list(requested)
    unknown = sorted((set(requested) | set(without)) - set(KB_SOURCES))
    if unknown:
        raise ValueError(f"unknown KB source {', '.join(unknown)}: choose from {', '.join(KB_SOURCES)} (--with, --without, NEWSLINK_KB_SOURCES)")
    if "starter" in without:
        raise ValueError("the starter KB cannot be left out (--without takes: open)")
    return [s for s in KB_SOURCES if (s == "starter" or s in requested) and s not in without]


def shipped_open(sources: Iterable[str]) -> Iterator[EntityRecord]:
    """The compiled open data when ``sources`` holds it (nothing otherwise): chained
    last into a build, so that every other source wins where it holds the same QID."""
    if "open" in sources:
        yield from open_records()


def surnames(label: str) -> list[str]:
    """Short forms a person is called by after the first mention ("Biden"); none
    for a name by title or reign ("Pope Francis", "Charles III", "Prince Harry,
    Duke of Sussex", "Willem-Alexander of the Netherlands")."""
    if "," in label or " of " in label or "(" in label:
        return []
    tokens = [t for t in re.split(r"\s+", label.strip()) if t]
    if not tokens or tokens[0].lower().strip(".") in _REGNAL_TITLES or _ROMAN.fullmatch(tokens[-1]):
        return []
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


# A build normalises each of millions of names about once: the linker's cache of
# normalize_alias (262k entries) only fills with them, ~70 MB that grew with the KB
# until it was full (bench/kb_scale.py), so builds call the function beneath it.
_normalize = normalize_alias.__wrapped__


def alias_rows(rec: EntityRecord) -> Iterator[tuple[str, str, str, str]]:
    yield _normalize(rec.label), rec.qid, "label", rec.label
    for alias in rec.aliases:
        yield _normalize(alias), rec.qid, "alias", alias
    for demonym in rec.demonyms:
        yield _normalize(demonym), rec.qid, "demonym", demonym
    if rec.type == "person":
        for short in surnames(rec.label):
            yield _normalize(short), rec.qid, "surname", short


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
    with the same QID add aliases and keep the higher popularity; a later record
    from the open data (origin ``open``) changes nothing of an earlier curated one
    but fills its country/admin-1 and adds names no other curated entity holds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".kb-{os.getpid()}-", suffix=".sqlite.tmp", dir=target.parent)
    os.close(fd)
    started = time.time()
    count = 0
    release_free_memory()  # what reading the records (a dump's streaming) left free
    try:
        db = sqlite3.connect(tmp_name)
        db.executescript(f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-{CACHE_KIB // 4}; PRAGMA temp.cache_size=-{CACHE_KIB // 4};" + SCHEMA)
        for rec in records:
            if not rec.label or not rec.qid:
                continue
            existing = db.execute("SELECT popularity, origin FROM entities WHERE qid = ?", (rec.qid,)).fetchone()
            aliases = [row for row in alias_rows(rec) if row[0]]
            if existing is None:
                country = rec.country or (rec.qid if rec.type == "country" else "")  # a country is in itself
                db.execute(
                    "INSERT INTO entities VALUES (?,?,?,?,?,?,?,?,?)",
                    (rec.qid, rec.type, rec.label, rec.kind, rec.description, rec.popularity, rec.origin, country, rec.admin1),
                )
                count += 1
            elif rec.origin == "open" and existing[1] != "open":
                # Curated (or Wikidata) data wins: the open data only says where the entity
                # is, and adds names no other such entity answers to.
                aliases = [(key, qid, "alias" if kind == "label" else kind, surface)
                           for key, qid, kind, surface in aliases if not _held_by_other(db, key, rec.qid)]
            elif rec.popularity > existing[0]:
                db.execute("UPDATE entities SET popularity = ? WHERE qid = ?", (rec.popularity, rec.qid))
            if existing is not None and (rec.country or rec.admin1):
                db.execute(
                    "UPDATE entities SET country = CASE WHEN country = '' THEN ? ELSE country END, "
                    "admin1 = CASE WHEN admin1 = '' THEN ? ELSE admin1 END WHERE qid = ?",
                    (rec.country, rec.admin1, rec.qid),
                )
            db.executemany("INSERT OR IGNORE INTO aliases VALUES (?,?,?,?)", aliases)
        release_free_memory()  # each step below starts from what is in use (allocator.py)
        fill_locations(db, open_paths=[] if "open" in sources else open_files())
        cap_open_namesakes(db)
        index_names(db)  # words of every name, for autocomplete by any word
        release_free_memory()
        ranked = rank_candidates(db)  # after every popularity is final
        meta = {
            "version": time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + starter_hash(sources),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "starter_hash": starter_hash(sources),
            "sources": json.dumps(sources),
            "entities": str(count),
            **ranked,
        }
        meta.update(extra_meta or {})
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        db.commit()
        # VACUUM copies page by page in order: a few pages of cache for it and for its copy
        # do (SQLite's own peak 0.4 instead of 1.1 MiB: the import's last step no higher than its first).
        db.execute(f"PRAGMA cache_size=-{VACUUM_CACHE_KIB}")
        release_free_memory()
        db.execute("VACUUM")
        db.close()
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return {"entities": count, "seconds": round(time.time() - started, 2), "path": str(target)}


# An open-data entity that shares a name with a curated one keeps at most this
# share of the curated one's popularity.
CURATED_NAMESAKE_SHARE = 0.25


def cap_open_namesakes(db: sqlite3.Connection) -> int:
    """Below the curated entity of the same name: where the news means one entity
    by a name, the curated KB holds it (it lists what the news names most), and an
    open-data namesake's prior is on another scale (a population, a source's rank):
    "Florida", a department of Uruguay, must not outrank the US state on the prior.
    Context can still choose the namesake. Returns how many priors were lowered."""
    # Each open-data name against the curated entities' highest prior for it, read by
    # SQLite (one index seek per name): a dict of every curated name grew with the KB
    # (a Wikidata import's millions of names are all curated).
    lowered: dict[str, float] = {}  # open-data entities only: bounded by the shipped data
    for qid, popularity, cap in db.execute(
        "SELECT o.qid, o.popularity, (SELECT MAX(ce.popularity) FROM aliases ca JOIN entities ce ON ce.qid = ca.qid "
        "  WHERE ca.alias = oa.alias AND ca.kind IN ('label', 'alias') AND ce.origin != 'open') "
        "FROM aliases oa JOIN entities o ON o.qid = oa.qid WHERE o.origin = 'open' AND oa.kind IN ('label', 'alias')"
    ):
        if cap is not None and popularity > cap * CURATED_NAMESAKE_SHARE:
            lowered[qid] = min(lowered.get(qid, popularity), round(cap * CURATED_NAMESAKE_SHARE, 1))
    db.executemany("UPDATE entities SET popularity = ? WHERE qid = ?", [(p, q) for q, p in lowered.items()])
    return len(lowered)


def _held_by_other(db: sqlite3.Connection, key: str, qid: str) -> bool:
    """Does an entity not from the open data, other than ``qid``, answer to alias ``key``?"""
    return db.execute(
        "SELECT 1 FROM aliases a JOIN entities e ON e.qid = a.qid WHERE a.alias = ? AND a.qid != ? AND e.origin != 'open' LIMIT 1",
        (key, qid),
    ).fetchone() is not None


def build_starter_kb(target: Path, sources: list[str] | None = None) -> dict:
    """The KB of the shipped data alone: the starter KB, plus the compiled open data
    when ``sources`` (default: :func:`kb_sources`) holds ``"open"``."""
    sources = kb_sources() if sources is None else sources
    return build_kb(target, chain(starter_records(), shipped_open(sources)), sources=sources)
