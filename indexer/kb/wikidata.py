"""The streaming, resumable import of a Wikidata JSON dump (``kb build --dump``).

The Wikidata JSON dump (``latest-all.json.gz`` / ``.bz2``) is one JSON array with
one entity per line::

    [
    {"type":"item","id":"Q1",...},
    {"type":"item","id":"Q8",...},
    ...
    ]

:func:`iter_dump` streams it line by line (constant memory, any size);
:func:`entities.entity_record` keeps what newslink facets — humans, countries and other
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

import json
import os
import re
import time
from itertools import chain
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .dump_stream import decompressed, open_raw
from .build import EntityRecord, build_kb, kb_sources, shipped_open, starter_records
from .entities import CLASSES, TYPE_PRIORITY, claim_ids, classes_digest, entity_record
from .online import cached_online_records
from .staging import Staging, staging_path



# --------------------------------------------------------------------------- the dump file
# Every item id a dump line mentions (``"id":"Q5"`` or the older ``"numeric-id":5``),
# as digits: a line none of whose ids is a kept class cannot be kept, and is not parsed.
_ITEM_IDS = re.compile(rb'"(?:id"\s*:\s*"Q|numeric-id"\s*:\s*)(\d+)')


def class_filter(classes: Iterable[str]) -> Callable[[bytes], bool]:
    """A test on a raw dump line: may it be an instance of one of ``classes``?

    Exact in one direction (a line it rejects has no P31 statement naming a kept
    class, so :func:`entities.entity_record` would drop it) and cheap: most of a real
    dump (scholarly articles, taxa, categories…) is rejected without ``json.loads``.
    """
    wanted = frozenset(q[1:].encode() for q in classes if q[:1] == "Q" and q[1:].isdigit())
    findall = _ITEM_IDS.findall

    def may_keep(line: bytes) -> bool:
        return b'"P31"' in line and not wanted.isdisjoint(findall(line))

    return may_keep


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
            stream, where = decompressed(raw, path)
            number = 0
        try:
            for line in stream:
                number += 1
                if number <= start_line:
                    continue
                yield number, line, where() if not plain else stream.tell()
        finally:
            if stream is not raw:
                stream.close()  # a parallel decompressor's threads stop here
    finally:
        raw.close()


def dump_identity(path: str | Path) -> str:
    st = os.stat(path)
    return f"{Path(path).resolve()}|{st.st_size}|{int(st.st_mtime)}"


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
        shipped: list[str] | None = None,
    ) -> None:
        self.target = Path(target)
        self.shipped = kb_sources() if shipped is None else shipped
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
            may_keep = class_filter(classes)
            for number, line, pos in iter_dump(self.dump, start_line=start, start_offset=offset):
                if may_keep(line):
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
        records = chain(starter_records(), self.staging.records(), cached_online_records(self.target), shipped_open(self.shipped))
        result = build_kb(self.target, records, sources=[*self.shipped, f"wikidata-dump:{self.dump.name}"], extra_meta={"dump_entities": str(staged)})
        self.staging.remove()
        result.update(staged=staged, resumed_at_line=self.resumed_at, seconds=round(time.time() - started, 2))
        return result

    def _checkpoint(self, kept: list[EntityRecord], number: int, pos: int) -> None:
        self.staging.put(kept)
        kept.clear()
        self.staging.set(lines_done=number, offset=self._line_end(pos))
        self.staging.commit()


def build_from_dump(target: Path, dump: str | Path, **kwargs: Any) -> dict[str, Any]:
    progress = kwargs.pop("progress", None)
    return DumpImport(Path(target), dump, **kwargs).run(progress)
