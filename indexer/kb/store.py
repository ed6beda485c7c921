"""SQLite-backed knowledge base: indexed alias lookups from one local file.

SQLite fits: one file, no server, indexed lookups in microseconds, and safe to
read from several processes while nothing writes (builds go to a temp file and
are renamed into place).
"""
from __future__ import annotations

import itertools
import json
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..normalize import normalize_alias
from ..schema import FACET_TYPES, parse_qid
from .packed import unpacker

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    qid TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    popularity REAL NOT NULL DEFAULT 0,
    origin TEXT NOT NULL DEFAULT 'starter',
    country TEXT NOT NULL DEFAULT '',
    admin1 TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS aliases (
    alias TEXT NOT NULL,
    qid TEXT NOT NULL,
    kind TEXT NOT NULL,
    surface TEXT NOT NULL,
    PRIMARY KEY (alias, qid, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_qid ON aliases (qid);
-- Each entity's own names (Entity.aliases), kept while the aliases are written (no sort
-- of them all afterwards): a small covering index, as most entities have none.
CREATE INDEX IF NOT EXISTS aliases_names ON aliases (qid, surface) WHERE kind IN ('alias', 'demonym');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# How an alias names its entity, from strongest to weakest evidence.
ALIAS_KINDS = ("label", "alias", "demonym", "surname")
# Candidates of one surface form at most (the shipped KB's most shared name has 42).
MAX_CANDIDATES = 100
# An alias kind's rank in SQL (``{kind}``: the column), strongest first as in ALIAS_KINDS.
KIND_RANK_SQL = "CASE {kind} " + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(ALIAS_KINDS[:-1])) + f" ELSE {len(ALIAS_KINDS) - 1} END"
# Names whose candidates a process keeps (least recently used out first): the names of
# the news repeat, and a Wikidata-sized KB has millions a long-running indexer would
# otherwise collect.
ALIAS_CACHE_SIZE = 200_000
# Entities a process keeps by QID (the oldest tenth out first when full): facet labels and
# candidates share them, and an API server or a long index job over a Wikidata-sized KB
# (1.6 M entities at 10 M items) would otherwise keep every entity it ever read.
ENTITY_CACHE_SIZE = 250_000


class KBError(RuntimeError):
    """The KB file is missing, unreadable or not a newslink KB."""


class KBDataError(KBError, ValueError):
    """A line of KB source data is malformed (a KB problem: exit 4; still a ValueError for old callers)."""


@dataclass(slots=True, frozen=True)
class Entity:
    qid: str
    type: str
    label: str
    kind: str = ""
    description: str = ""
    popularity: float = 0.0
    aliases: tuple[str, ...] = field(default=())
    country: str = ""  # QID of the country it is in or belongs to ('' unknown)
    admin1: str = ""  # QID of the first-level region a place is in ('' unknown)

    def to_dict(self) -> dict:
        return {
            "qid": self.qid,
            "type": self.type,
            "label": self.label,
            "kind": self.kind,
            "description": self.description,
            "popularity": self.popularity,
            "aliases": list(self.aliases),
            "country": self.country,
            "admin1": self.admin1,
        }


@dataclass(slots=True, frozen=True)
class Candidate:
    """One entity an alias may name, with how it names it."""

    entity: Entity
    alias_kind: str  # one of ALIAS_KINDS


class KnowledgeBase:
    """Read access to a built KB file. Cheap lookups, cached per process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise KBError(f"no knowledge base at {self.path}: run `newslink kb build`")
        if not self.path.is_file():
            raise KBError(f"knowledge base {self.path} is not a file: run `newslink kb build`")
        try:
            # as_uri() percent-escapes '#', '?' and '%' in the path; pasted raw into
            # the URI they cut it short, and SQLite opened (and created!) another file.
            uri = self.path.absolute().as_uri() + "?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = {"entities", "aliases", "meta"} - tables
            if missing:
                raise KBError(f"{self.path} is not a newslink knowledge base (no {', '.join(sorted(missing))} table): run `newslink kb build`")
            self._db.execute("SELECT count(*) FROM entities").fetchone()
            self._meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(entities)")}
            # KBs built before the country/admin1 columns existed read as '' for both.
            self._where_cols = "country, admin1" if {"country", "admin1"} <= columns else "'', ''"
            # The build-time lists of each name's candidates (kb/ranked.py), if this KB has
            # them for as many candidates as are read.
            self._listed = "candidate_lists" in tables and int(self._meta.get("candidates_limit", "0") or 0) >= MAX_CANDIDATES
            # Deflated with a preset dictionary when the KB holds one (plain JSON before it).
            zdict = self._db.execute("SELECT dict FROM candidate_dict").fetchone() if "candidate_dict" in tables else None
            self._unpack = unpacker(zdict[0]) if zdict else bytes
        except sqlite3.DatabaseError as exc:
            raise KBError(f"knowledge base {self.path} is unreadable ({exc}): run `newslink kb build`") from exc
        # One connection, shared by the threads of an API server: SQLite serialises
        # statements on it, but a cursor must not be stepped by two threads at once,
        # so every statement runs and is fetched whole under this lock.
        self._db_lock = threading.Lock()
        self._entity_cache: dict[str, Entity | None] = {}
        self._alias_cache: OrderedDict[str, list[Candidate]] = OrderedDict()

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        """A query whose failure (a KB damaged after it was opened) is a KBError with the fix."""
        try:
            with self._db_lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise KBError(f"knowledge base {self.path} is damaged ({exc}): run `newslink kb build`") from exc

    # -- lookups -----------------------------------------------------------------
    def entity(self, qid: str) -> Entity | None:
        if qid in self._entity_cache:
            return self._entity_cache[qid]
        rows = self._rows(
            f"SELECT qid, type, label, kind, description, popularity, {self._where_cols} FROM entities WHERE qid = ?", (qid,)
        )
        row = rows[0] if rows else None
        entity = None
        if row:
            aliases = tuple(
                r[0]
                for r in self._rows(
                    "SELECT DISTINCT surface FROM aliases WHERE qid = ? AND kind IN ('alias','demonym') ORDER BY surface",
                    (qid,),
                )
            )
            entity = Entity(*row[:6], aliases=aliases, country=row[6], admin1=row[7])
        self._entity_cache[qid] = entity
        self._bound_entities()
        return entity

    def _bound_entities(self) -> None:
        """Drop the oldest tenth of the entity cache once it holds more than ENTITY_CACHE_SIZE
        (insertion order; cheaper on the look-up path than an LRU's reordering on every hit,
        and the alias cache, an LRU, keeps the entities of the names in use alive anyway)."""
        cache = self._entity_cache
        excess = len(cache) - ENTITY_CACHE_SIZE
        if excess > 0:
            for qid in list(itertools.islice(cache, excess + ENTITY_CACHE_SIZE // 10)):
                cache.pop(qid, None)  # another thread may have dropped it

    def entities(self, qids: list[str]) -> dict[str, Entity]:
        """Batch form of :meth:`entity` (facet labels in one go, no N+1)."""
        cache = self._entity_cache
        # What was read is taken from _load's answer, not from the cache: a batch larger than
        # the cache would have lost its first part to the bound by the time it is read back.
        read = self._load([q for q in qids if q not in cache])
        return {q: e for q in qids if (e := read.get(q) or cache.get(q)) is not None}

    def _load(self, qids: list[str]) -> dict[str, Entity]:
        """Read the entities ``qids`` (those found are returned) into the cache with two
        queries per 500 of them, not two per entity: a name with hundreds of namesakes in a
        Wikidata-scale KB ("John Smith") is one look-up, not hundreds (bench/kb_scale.py)."""
        read: dict[str, Entity] = {}
        for i in range(0, len(qids), 500):
            chunk = list(dict.fromkeys(qids[i : i + 500]))
            marks = ",".join("?" * len(chunk))
            rows = self._rows(
                f"SELECT qid, type, label, kind, description, popularity, {self._where_cols} FROM entities WHERE qid IN ({marks})", tuple(chunk)
            )
            names: dict[str, set[str]] = {}
            for qid, surface in self._rows(
                f"SELECT qid, surface FROM aliases WHERE qid IN ({marks}) AND kind IN ('alias','demonym')", tuple(chunk)
            ):
                names.setdefault(qid, set()).add(surface)
            found = {
                row[0]: Entity(*row[:6], aliases=tuple(sorted(names.get(row[0], ()))), country=row[6], admin1=row[7]) for row in rows
            }
            for qid in chunk:
                self._entity_cache[qid] = found.get(qid)
            read.update(found)
        self._bound_entities()
        return read

    def candidates(self, surface: str) -> list[Candidate]:
        """All entities the surface form may name (at most MAX_CANDIDATES), the strongest
        alias kind first, the most popular first within it."""
        key = normalize_alias(surface)
        if not key:
            return []
        cached = self._alias_cache.get(key)
        if cached is not None:
            try:
                self._alias_cache.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile
                pass
            return cached
        found = self._listed_candidates(key) if self._listed else self._joined_candidates(key)
        self._alias_cache[key] = found
        while len(self._alias_cache) > ALIAS_CACHE_SIZE:
            try:
                self._alias_cache.popitem(last=False)
            except KeyError:
                break
        return found

    def _listed_candidates(self, key: str) -> list[Candidate]:
        """One index seek: the name's packed list (``kb/ranked.py``), already ranked, cut
        and deduplicated, each candidate with its entity's fields: no seek per candidate."""
        rows = self._rows("SELECT list FROM candidate_lists WHERE alias = ?", (key,))
        if not rows:
            return []
        found: list[Candidate] = []
        cache = self._entity_cache
        for qid, rank, type_, label, kind, description, popularity, country, admin1, names in orjson.loads(self._unpack(rows[0][0])):
            entity = cache.get(qid)
            if entity is None:
                entity = Entity(qid, type_, label, kind, description, popularity, aliases=tuple(names), country=country, admin1=admin1)
                cache[qid] = entity
            found.append(Candidate(entity, ALIAS_KINDS[rank]))
        self._bound_entities()
        return found

    def _joined_candidates(self, key: str) -> list[Candidate]:
        """The same from a KB without the ``candidate_lists`` table: every row of the name joined
        to its entity's popularity and sorted (reads all 12k rows of "Smith" at 10 M items)."""
        rows = self._rows(
            "SELECT a.qid, a.kind FROM aliases a JOIN entities e ON e.qid = a.qid WHERE a.alias = ? "
            f"ORDER BY {KIND_RANK_SQL.format(kind='a.kind')}, e.popularity DESC, a.qid LIMIT ?",
            (key, MAX_CANDIDATES),
        )
        best: dict[str, str] = {}
        for qid, kind in rows:
            if qid not in best or ALIAS_KINDS.index(kind) < ALIAS_KINDS.index(best[qid]):
                best[qid] = kind
        entities = self.entities(list(best))
        found = [Candidate(entities[q], best[q]) for q in best if q in entities]
        found.sort(key=lambda c: (ALIAS_KINDS.index(c.alias_kind), -c.entity.popularity))
        return found

    def alias_surfaces(self, surface: str) -> dict[str, set[str]]:
        """QID -> the KB's own spellings of the aliases ``surface`` normalises to
        (case and dots kept: the linker tells "LA" from "La." with them)."""
        key = normalize_alias(surface)
        out: dict[str, set[str]] = {}
        if key:
            for qid, spelled in self._rows("SELECT qid, surface FROM aliases WHERE alias = ?", (key,)):
                out.setdefault(qid, set()).add(spelled)
        return out

    def resolve(self, name: str, type_: str | None = None) -> Entity | None:
        """A name or QID as a user types it -> the most likely entity (or None)."""
        name = name.strip()
        qid = parse_qid(name)
        if qid is not None:
            return self.entity(qid)
        found = [c for c in self.candidates(name) if type_ is None or c.entity.type == type_]
        if not found and type_ in ("country", "place"):
            other = "place" if type_ == "country" else "country"
            found = [c for c in self.candidates(name) if c.entity.type == other]
        found = [c for c in found if c.alias_kind != "surname"] or found
        return max(found, key=lambda c: (-ALIAS_KINDS.index(c.alias_kind), c.entity.popularity)).entity if found else None

    def complete(self, prefix: str, limit: int = 10, type_: str | None = None) -> list[Entity]:
        """Entities whose label or alias starts with ``prefix`` (autocomplete)."""
        key = normalize_alias(prefix)
        if not key:
            return []
        rows = self._rows(
            "SELECT DISTINCT a.qid FROM aliases a JOIN entities e ON e.qid = a.qid "
            "WHERE a.alias >= ? AND a.alias < ? AND a.kind != 'surname' AND (? IS NULL OR e.type = ?) "
            "ORDER BY e.popularity DESC LIMIT ?",
            (key, key + "\U0010ffff", type_, type_, limit),
        )
        return [e for (q,) in rows if (e := self.entity(q)) is not None]

    def iter_aliases(
        self, kinds: tuple[str, ...] = ("label", "alias", "demonym"), *, types: tuple[str, ...] | None = None,
        entity_kinds: tuple[str, ...] | None = None,
    ):
        """(surface form, qid, type, alias kind) for every alias: feeds the gazetteer. ``types``
        and ``entity_kinds`` keep the entities of those types and kinds only, read by SQLite
        (the linker's tables of people's first names or of state institutions need a
        fraction of a Wikidata-sized KB's millions of aliases). Ordered by QID either way."""
        marks = ",".join("?" * len(kinds))
        args: list[str] = list(kinds)
        if types is None and entity_kinds is None:
            sql = f"SELECT a.surface, a.qid, e.type, a.kind FROM aliases a JOIN entities e ON e.qid = a.qid WHERE a.kind IN ({marks})"
        else:  # the entities first (a scan of one table, 10 ms for 166k), then their aliases
            sql = f"SELECT a.surface, a.qid, e.type, a.kind FROM entities e CROSS JOIN aliases a ON e.qid = a.qid WHERE a.kind IN ({marks})"
            for column, wanted in (("type", types), ("kind", entity_kinds)):
                if wanted is not None:
                    sql += f" AND e.{column} IN ({','.join('?' * len(wanted))})"
                    args += wanted
            sql += " ORDER BY a.qid, a.alias, a.kind"  # the order of the unfiltered scan (index aliases_qid)
        try:
            yield from self._db.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise KBError(f"knowledge base {self.path} is damaged ({exc}): run `newslink kb build`") from exc

    # -- facts about the KB --------------------------------------------------------
    @property
    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    @property
    def sources(self) -> list[str]:
        """What the KB was built from (``["starter"]``, …); ``["unknown"]`` if its meta is damaged."""
        try:
            sources = json.loads(self._meta.get("sources", "[]"))
        except json.JSONDecodeError:
            return ["unknown"]
        return [str(s) for s in sources] if isinstance(sources, list) else ["unknown"]

    @property
    def version(self) -> str:
        return self._meta.get("version", "unknown")

    def stats(self) -> dict:
        by_type = dict(self._rows("SELECT type, count(*) FROM entities GROUP BY type"))
        by_origin = dict(self._rows("SELECT origin, count(*) FROM entities GROUP BY origin"))
        aliases = self._rows("SELECT count(*) FROM aliases")[0][0]
        return {
            "path": str(self.path),
            "version": self.version,
            "built_at": self._meta.get("built_at"),
            "sources": self.sources,
            "entities": sum(by_type.values()),
            "by_type": {t: by_type.get(t, 0) for t in FACET_TYPES},
            "by_origin": by_origin,
            "aliases": aliases,
        }

    def close(self) -> None:
        self._db.close()
