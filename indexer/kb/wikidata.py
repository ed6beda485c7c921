"""Wikidata entities -> KB records, and the streaming JSON-dump import.

The Wikidata JSON dump (``latest-all.json.gz`` / ``.bz2``) is one JSON array with
one entity per line::

    [
    {"type":"item","id":"Q1",...},
    {"type":"item","id":"Q8",...},
    ...
    ]

:func:`iter_dump` streams it line by line (constant memory, any size);
:func:`entity_record` keeps what newslink facets — humans, countries and other
places, organisations, weapons and weapon models — by their ``P31`` (instance of)
classes, with English labels, aliases, descriptions, ``P1549`` demonyms and the
sitelink count as popularity. The same function reads the entities the
``wbgetentities`` API returns (kb.online).

:class:`DumpImport` stages kept records in a SQLite file next to the target KB
and checkpoints the position in the dump, so an interrupted import resumes where
it stopped (a plain ``.json`` by seeking, a compressed one by skipping the lines
already read without parsing them). When the dump is done the staged records are
merged with the starter KB through :func:`build.build_kb` (atomic rename).

Classes: :data:`CLASSES` maps well-known class QIDs to a facet type. Wikidata has
thousands of subclasses (P279) below them; ``expand_classes=True`` makes a first
pass that collects every ``P279`` edge of the dump into the staging file and
adds all subclasses of the known classes, and ``--classes FILE`` (TSV ``qid
type [kind]``, e.g. from a SPARQL ``wdt:P279*`` query) adds more.
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, BinaryIO

from .build import EntityRecord, build_kb, starter_records

# Class QID -> (facet type, kind). Roots first; P279 expansion finds the rest.
CLASSES: dict[str, tuple[str, str]] = {
    # people
    "Q5": ("person", "human"),
    # countries
    "Q6256": ("country", "country"),
    "Q3624078": ("country", "sovereign_state"),
    "Q3024240": ("country", "historical_country"),
    "Q15634554": ("country", "state_with_limited_recognition"),
    # places
    "Q515": ("place", "city"),
    "Q1549591": ("place", "big_city"),
    "Q5119": ("place", "capital"),
    "Q1637706": ("place", "city"),
    "Q200250": ("place", "metropolis"),
    "Q1093829": ("place", "city"),
    "Q486972": ("place", "settlement"),
    "Q3957": ("place", "town"),
    "Q532": ("place", "village"),
    "Q15284": ("place", "municipality"),
    "Q35657": ("place", "us_state"),
    "Q10864048": ("place", "region"),
    "Q56061": ("place", "admin_area"),
    "Q82794": ("place", "region"),
    "Q1620908": ("place", "historical_region"),
    "Q5107": ("place", "continent"),
    "Q23442": ("place", "island"),
    "Q8502": ("place", "mountain"),
    "Q4022": ("place", "river"),
    "Q165": ("place", "sea"),
    "Q23397": ("place", "lake"),
    # organisations
    "Q43229": ("org", "organization"),
    "Q4830453": ("org", "company"),
    "Q783794": ("org", "company"),
    "Q891723": ("org", "company"),
    "Q6881511": ("org", "company"),
    "Q7278": ("org", "party"),
    "Q327333": ("org", "agency"),
    "Q484652": ("org", "international_org"),
    "Q245065": ("org", "international_org"),
    "Q17149090": ("org", "armed_group"),
    "Q176799": ("org", "armed_forces"),
    "Q163740": ("org", "nonprofit"),
    "Q3918": ("org", "university"),
    "Q11032": ("org", "media"),
    "Q1331793": ("org", "media"),
    "Q7210356": ("org", "political_org"),
    "Q2659904": ("org", "government_org"),
    # weapons
    "Q728": ("weapon", "weapon"),
    "Q15142894": ("weapon", "weapon_model"),
    "Q15142889": ("weapon", "weapon_family"),
    "Q484000": ("weapon", "drone"),
    "Q12876": ("weapon", "tank"),
    "Q15056995": ("weapon", "aircraft_model"),
}
# When an item is an instance of classes of several types.
TYPE_PRIORITY = ("person", "country", "weapon", "org", "place")
STAGING_SUFFIX = ".dump-staging"


# --------------------------------------------------------------------------- classes
def read_classes(path: str | Path) -> dict[str, tuple[str, str]]:
    """A class list: ``qid<TAB>type[<TAB>kind]`` per line, ``#`` comments."""
    from .store import FACET_TYPES

    out: dict[str, tuple[str, str]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            qid = cells[0].strip().rsplit("/", 1)[-1]
            if not qid.startswith("Q") or len(cells) < 2 or cells[1].strip() not in FACET_TYPES:
                raise ValueError(f"{path}:{number}: expected 'QID<TAB>type[<TAB>kind]' with a type in {FACET_TYPES}")
            out[qid] = (cells[1].strip(), cells[2].strip() if len(cells) > 2 else cells[1].strip())
    return out


def classes_digest(classes: dict[str, tuple[str, str]]) -> str:
    return hashlib.sha1(json.dumps(sorted(classes.items())).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- one entity
def claim_ids(entity: dict[str, Any], prop: str) -> list[str]:
    """Item ids of a property's non-deprecated statements."""
    out = []
    for statement in (entity.get("claims") or {}).get(prop, []) or []:
        if statement.get("rank") == "deprecated":
            continue
        snak = statement.get("mainsnak") or {}
        value = (snak.get("datavalue") or {}).get("value")
        if isinstance(value, dict):
            qid = value.get("id") or (f"Q{value['numeric-id']}" if "numeric-id" in value else None)
            if qid:
                out.append(qid)
    return out


def _text(block: dict[str, Any] | None, lang: str) -> str:
    value = (block or {}).get(lang)
    return value.get("value", "").strip() if isinstance(value, dict) else ""


def _good_alias(alias: str, label: str) -> bool:
    if not alias or alias == label or len(alias) > 80:
        return False
    if not any(ch.isalpha() for ch in alias):  # flags, codes of digits
        return False
    letters = [ch for ch in alias if ch.isalpha()]
    if len(letters) <= 2 and alias.isupper():  # "PT", "US": ISO codes collide with words
        return False
    return True


def entity_record(
    entity: dict[str, Any],
    classes: dict[str, tuple[str, str]] | None = None,
    *,
    lang: str = "en",
    min_sitelinks: int = 0,
    origin: str = "wikidata",
) -> EntityRecord | None:
    """The KB record of one Wikidata entity, or None when newslink does not facet it."""
    classes = CLASSES if classes is None else classes
    if entity.get("type") != "item" or not str(entity.get("id", "")).startswith("Q"):
        return None
    typed = [classes[c] for c in claim_ids(entity, "P31") if c in classes]
    if not typed:
        return None
    type_, kind = min(typed, key=lambda tk: TYPE_PRIORITY.index(tk[0]))
    label = _text(entity.get("labels"), lang)
    if not label:
        return None
    sitelinks = len(entity.get("sitelinks") or {})
    if sitelinks < min_sitelinks:
        return None
    aliases = []
    for alias in (entity.get("aliases") or {}).get(lang, []) or []:
        value = alias.get("value", "").strip() if isinstance(alias, dict) else ""
        if _good_alias(value, label) and value not in aliases:
            aliases.append(value)
    demonyms = []
    for statement in (entity.get("claims") or {}).get("P1549", []) or []:
        if statement.get("rank") == "deprecated":
            continue
        value = ((statement.get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if isinstance(value, dict) and value.get("language") == lang:
            text = value.get("text", "").strip()
            if text and text not in demonyms:
                demonyms.append(text)
    return EntityRecord(
        qid=entity["id"],
        type=type_,
        label=label,
        kind=kind,
        popularity=float(sitelinks),
        description=_text(entity.get("descriptions"), lang),
        aliases=aliases,
        demonyms=demonyms,
        origin=origin,
    )


# --------------------------------------------------------------------------- the dump file
def open_raw(path: str | Path) -> BinaryIO:
    return open(path, "rb")


def decompressed(raw: BinaryIO, path: str | Path) -> BinaryIO:
    name = str(path)
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if name.endswith(".bz2"):
        return bz2.BZ2File(raw)  # type: ignore[return-value]
    return raw


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One entity from a dump line (``{...},``); None for ``[``, ``]`` and blanks."""
    line = line.strip()
    if line.endswith(b","):
        line = line[:-1]
    if not line or line in (b"[", b"]"):
        return None
    return json.loads(line)


def iter_dump(path: str | Path, *, start_line: int = 0, start_offset: int = 0) -> Iterator[tuple[int, bytes, int]]:
    """(line number, raw line, compressed bytes read so far) from ``start_line``.

    A plain ``.json`` dump seeks to ``start_offset`` (the byte offset of
    ``start_line``); a compressed one skips the lines already read.
    """
    raw = open_raw(path)
    try:
        plain = not str(path).endswith((".gz", ".bz2"))
        if plain and start_offset:
            raw.seek(start_offset)
            stream: BinaryIO = raw
            number = start_line
        else:
            stream = decompressed(raw, path)
            number = 0
        for line in stream:
            number += 1
            if number <= start_line:
                continue
            yield number, line, raw.tell() if not plain else stream.tell()
    finally:
        raw.close()


def dump_identity(path: str | Path) -> str:
    st = os.stat(path)
    return f"{Path(path).resolve()}|{st.st_size}|{int(st.st_mtime)}"


# --------------------------------------------------------------------------- staging
class Staging:
    """A SQLite file of staged records and checkpoints, next to the target KB."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
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

    def records(self) -> Iterator[EntityRecord]:
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


Progress = Callable[[int, int, int], None]  # (bytes read, total bytes, records kept)


class DumpImport:
    """A resumable import of one dump into one KB file."""

    def __init__(
        self,
        target: Path,
        dump: str | Path,
        *,
        classes: dict[str, tuple[str, str]] | None = None,
        expand_classes: bool = False,
        lang: str = "en",
        min_sitelinks: int = 0,
        resume: bool = True,
        checkpoint_every: int = 20_000,
    ) -> None:
        self.target = Path(target)
        self.dump = Path(dump)
        if not self.dump.exists():
            raise FileNotFoundError(f"no dump at {self.dump}")
        self.classes = dict(CLASSES if classes is None else classes)
        self.expand_classes = expand_classes
        self.lang = lang
        self.min_sitelinks = min_sitelinks
        self.checkpoint_every = checkpoint_every
        self.total = self.dump.stat().st_size
        self.staging = Staging(staging_path(self.target))
        options = json.dumps(
            {"dump": dump_identity(self.dump), "classes": classes_digest(self.classes), "expand": expand_classes, "lang": lang, "min_sitelinks": min_sitelinks},
            sort_keys=True,
        )
        if not resume or self.staging.get("options") != options:
            self.staging.reset()
            self.staging.set(options=options)
            self.staging.commit()
        self.resumed_at = int(self.staging.get("lines_done", "0") or 0)

    # -- pass 1 (optional): the P279 class tree ---------------------------------
    def _collect_edges(self, progress: Progress | None) -> None:
        if self.staging.get("edges_done") == "1":
            return
        start = int(self.staging.get("edges_lines", "0") or 0)
        offset = int(self.staging.get("edges_offset", "0") or 0)
        batch: list[tuple[str, str]] = []
        number = start
        for number, line, pos in iter_dump(self.dump, start_line=start, start_offset=offset):
            if b'"P279"' in line:
                entity = parse_line(line)
                if entity:
                    batch.extend((entity["id"], parent) for parent in claim_ids(entity, "P279"))
            if number % self.checkpoint_every == 0:
                self.staging.db.executemany("INSERT INTO edges VALUES (?, ?)", batch)
                batch.clear()
                self.staging.set(edges_lines=number, edges_offset=self._line_end(pos))
                self.staging.commit()
                if progress:
                    progress(pos, self.total * 2, 0)
        self.staging.db.executemany("INSERT INTO edges VALUES (?, ?)", batch)
        self.staging.set(edges_lines=number, edges_done=1)
        self.staging.commit()

    def _expanded_classes(self) -> dict[str, tuple[str, str]]:
        """Known classes plus all their subclasses (breadth first, roots keep priority)."""
        out = dict(self.classes)
        frontier = sorted(self.classes, key=lambda q: TYPE_PRIORITY.index(self.classes[q][0]))
        while frontier:
            nxt = []
            for parent in frontier:
                for (child,) in self.staging.db.execute("SELECT child FROM edges WHERE parent = ?", (parent,)):
                    if child not in out:
                        out[child] = out[parent]
                        nxt.append(child)
            frontier = nxt
        return out

    def _line_end(self, pos: int) -> int:
        # For a plain dump the reader's position is the end of the last line read.
        return pos if not str(self.dump).endswith((".gz", ".bz2")) else 0

    # -- pass 2: the entities ----------------------------------------------------
    def run(self, progress: Progress | None = None) -> dict[str, Any]:
        started = time.time()
        classes = self.classes
        base = 0
        if self.expand_classes:
            self._collect_edges(progress)
            classes = self._expanded_classes()
            base = self.total
        if self.staging.get("entities_done") != "1":
            start = int(self.staging.get("lines_done", "0") or 0)
            offset = int(self.staging.get("offset", "0") or 0)
            kept: list[EntityRecord] = []
            number = start
            pos = 0
            for number, line, pos in iter_dump(self.dump, start_line=start, start_offset=offset):
                if b'"P31"' in line:
                    entity = parse_line(line)
                    rec = entity_record(entity, classes, lang=self.lang, min_sitelinks=self.min_sitelinks) if entity else None
                    if rec is not None:
                        kept.append(rec)
                if number % self.checkpoint_every == 0:
                    self._checkpoint(kept, number, pos)
                    if progress:
                        progress(base + pos, self.total * (2 if self.expand_classes else 1), self.staging.count())
            self._checkpoint(kept, number, pos)
            self.staging.set(entities_done=1)
            self.staging.commit()
            if progress:
                progress(base + self.total, self.total * (2 if self.expand_classes else 1), self.staging.count())
        staged = self.staging.count()
        records = _chain(starter_records(), self.staging.records(), cached_online_records(self.target))
        result = build_kb(self.target, records, sources=["starter", f"wikidata-dump:{self.dump.name}"], extra_meta={"dump_entities": str(staged)})
        self.staging.remove()
        result.update(staged=staged, resumed_at_line=self.resumed_at, seconds=round(time.time() - started, 2))
        return result

    def _checkpoint(self, kept: list[EntityRecord], number: int, pos: int) -> None:
        self.staging.put(kept)
        kept.clear()
        self.staging.set(lines_done=number, offset=self._line_end(pos))
        self.staging.commit()


def _chain(*iterables: Iterable[EntityRecord]) -> Iterator[EntityRecord]:
    for it in iterables:
        yield from it


def cached_online_records(target: Path) -> Iterator[EntityRecord]:
    """Entities `index --online` cached next to this KB: merged into every build."""
    from .online import OnlineCache, cache_path

    path = cache_path(Path(target))
    if path.exists():
        cache = OnlineCache(path)
        try:
            yield from cache.records()
        finally:
            cache.close()


def build_from_dump(target: Path, dump: str | Path, **kwargs: Any) -> dict[str, Any]:
    progress = kwargs.pop("progress", None)
    return DumpImport(Path(target), dump, **kwargs).run(progress)


def build_starter(target: Path) -> dict[str, Any]:
    """The starter KB plus whatever `--online` look-ups cached next to it."""
    cached = list(cached_online_records(Path(target)))
    sources = ["starter", "online-cache"] if cached else ["starter"]
    return build_kb(Path(target), _chain(starter_records(), cached), sources=sources)
