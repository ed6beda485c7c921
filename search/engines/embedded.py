"""The embedded engine: tantivy (Rust, BM25) in a data directory, no server.

Layout under ``<home>/indexes/<name>/``: one folder per generation and
``live.json`` naming the live one. Promoting a generation rewrites ``live.json``
atomically (write temp + rename), so readers in other processes switch within
``FRESH_SECONDS`` (their first query after it) and never see a half-built index.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import tantivy

from newslink.indexer.dates import to_datetime
from newslink.indexer.schema import COUNTRY_NAMED, ENTITY_FIELDS
from newslink.indexer.processes import pid_alive

from .. import facets as facet_registry
from ..query import SearchQuery
from ..textquery import Term
from ..results import Hit, RawResults
from . import ascii_snippet, hits, native_snippet, snippet_region
from .base import Engine, EngineError, check_index_name
from .tantivy_query import ANALYZER, QueryCompiler, analyzer

SNIPPET_CHARS = hits.SNIPPET_CHARS  # the name other modules used before hits.py
TITLE_SNIPPET_CHARS = 1000  # a title is highlighted whole
WRITER_HEAP = 256 * 1024 * 1024
# How stale a search may be: another process's commits and a promoted generation (a
# reindex's swap) are seen within this. Checking live.json and reloading on every query
# cost a stat and a reload per search; once per interval costs nothing measurable.
FRESH_SECONDS = 0.2
MAX_MARKER_SETS = 1000  # distinct queries' snippet markers one searcher keeps (see _markers)
_analyzer = analyzer  # the analysis the contract tests' oracle reproduces
# A query's snippet setup: text marker, title marker, snippet_region's needles, native page highlighter
_MarkerSet = tuple[ascii_snippet.Marker, ascii_snippet.Marker, list[tuple[str, float]], native_snippet.Page | None]


def _schema(fields: tuple[str, ...] = ENTITY_FIELDS) -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    sb.add_text_field("title", stored=True, tokenizer_name=ANALYZER)
    sb.add_text_field("text", stored=True, tokenizer_name=ANALYZER)
    for facet in fields:
        sb.add_text_field(facet, stored=False, tokenizer_name="raw", fast=True)
    sb.add_text_field("source", stored=False, tokenizer_name="raw", fast=True)
    sb.add_date_field("published", stored=False, indexed=True, fast=True)
    sb.add_bytes_field("doc", stored=True, indexed=False)
    return sb.build()


class EmbeddedEngine(Engine):
    name = "embedded"

    def __init__(self, home: Path, index_name: str = "articles", *, generation: str | None = None) -> None:
        self.root = Path(home) / "indexes" / check_index_name(index_name)
        self.index_name = index_name
        self.root.mkdir(parents=True, exist_ok=True)
        self._live_path = str(self.root / "live.json")  # a str: os.stat without building a Path per query
        self._clock = time.monotonic  # what FRESH_SECONDS is measured with (a test drives its own)
        self._pinned = generation is not None  # a generation being built, not the live one
        self.generation = generation or self._live_generation() or self._claim_first_generation()
        self.analyzer = analyzer()
        self._analysed: dict[str, str | None] = {}  # word -> its term, for the snippet markers (shared by queries)
        self.use_highlighter(native_snippet.load())  # the compiled page highlighter, if installed (else the Python marker)
        # Guards the swap of ``self.index`` (a new commit, a promoted generation):
        # threads of an API server share this engine. A searcher, once taken, is a
        # snapshot that stays valid, so the searches themselves run unlocked.
        self._reader_lock = threading.RLock()
        self._open()

    # -- opening ------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.root / self.generation

    def _open(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self._meta_path = str(self.path / "meta.json")
        # A generation written before the country roll-up has no country_named field; it
        # is opened with its own schema, and the named-only countries are read from the
        # country field, which held only named countries then (reindex adds both).
        self.fields = ENTITY_FIELDS if _has_field(self.path, COUNTRY_NAMED) else tuple(f for f in ENTITY_FIELDS if f != COUNTRY_NAMED)
        self.schema = _schema(self.fields)
        self.compiler = QueryCompiler(self.schema, self.analyzer, {} if COUNTRY_NAMED in self.fields else {COUNTRY_NAMED: "country"})
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as exc:
            raise EngineError(f"cannot open index at {self.path}: {exc}") from exc
        self.index.register_tokenizer(ANALYZER, self.analyzer)
        self._writer: tantivy.IndexWriter | None = None
        self._broken = False  # the writer failed (a full disk): close() must not commit through it
        self._last_reload = float("-inf")  # the first query reloads
        self._current: tantivy.Searcher | None = None
        self._reloaded_meta: bytes | None = None  # the generation's meta.json as of the last reload
        self._opened_live_mtime = self._live_mtime()

    def _live_file(self) -> Path:
        return self.root / "live.json"

    def _live_generation(self) -> str | None:
        try:
            return json.loads(self._live_file().read_text())["generation"]
        except (FileNotFoundError, KeyError, json.JSONDecodeError):
            return None

    def _live_mtime(self) -> float:
        try:
            return os.stat(self._live_path).st_mtime
        except FileNotFoundError:
            return 0.0

    def _write_live(self, generation: str) -> None:
        tmp = self.root / f".live.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"generation": generation, "since": time.time()}))
        os.replace(tmp, self._live_file())

    def _claim_first_generation(self) -> str:
        """Name the live generation of an index that has none, atomically.

        Two jobs starting at once on a fresh index must agree on one generation,
        or the loser would fill a folder nobody reads. ``live.json`` is created
        with a hard link (fails if it exists), so exactly one name wins. A data
        directory whose ``live.json`` was lost gets its newest generation back
        instead of an empty new one.
        """
        existing = sorted(d.name for d in self.root.glob("gen-*") if (d / "meta.json").exists())
        name = existing[-1] if existing else self._new_generation_name()
        tmp = self.root / f".live.{os.getpid()}.{time.monotonic_ns()}.tmp"
        tmp.write_text(json.dumps({"generation": name, "since": time.time()}))
        try:
            os.link(tmp, self._live_file())
        except FileExistsError:
            winner = self._live_generation()
            if winner is None:  # live.json exists but is unreadable: repair it
                os.replace(tmp, self._live_file())
                return name
            return winner
        finally:
            tmp.unlink(missing_ok=True)
        return name

    @staticmethod
    def _new_generation_name() -> str:
        return "gen-" + datetime.now().strftime("%Y%m%d%H%M%S%f")

    def _searcher(self) -> tantivy.Searcher:
        """A fresh-enough searcher: follows new commits and a promoted generation within
        ``FRESH_SECONDS`` (a query in between reuses the last one: no stat, no reload)."""
        with self._reader_lock:
            if self._current is None or self._clock() - self._last_reload > FRESH_SECONDS:
                self._current = self._fresh_searcher()
            return self._current

    def refresh(self) -> None:
        """See the latest commit and live generation now, not within ``FRESH_SECONDS``
        (``info`` does: a status or health check reports what is on disk)."""
        with self._reader_lock:
            self._current = None
            self._last_reload = float("-inf")  # due: check live.json and reload now
            self._current = self._fresh_searcher()

    def _fresh_searcher(self) -> tantivy.Searcher:
        if not self._pinned and self._live_mtime() != self._opened_live_mtime:
            live = self._live_generation()
            if live and live != self.generation:
                self.close()
                self.generation = live
                self._open()
            self._opened_live_mtime = self._live_mtime()
        now = self._clock()
        if now - self._last_reload > FRESH_SECONDS:
            meta = self._meta()
            if self._current is not None and meta is not None and meta == self._reloaded_meta:
                # Nothing committed since the last reload: keep that searcher, and with it the
                # snippet markers tied to it (_snippets), so a drill-down or the next page a
                # user asks for seconds later reuses them (a new searcher object every
                # FRESH_SECONDS dropped them five times a second).
                self._last_reload = now
                return self._current
            try:
                self.index.reload()
            except ValueError as exc:
                # A reindex promoted another generation and deleted this one
                # between the live.json check above and this reload: follow it.
                before = self.generation
                self._follow_live()
                if self.generation == before:
                    raise EngineError(f"cannot read index at {self.path}: {exc}") from exc
                meta = self._meta()
            self._reloaded_meta = meta  # read before the reload: a commit in between only costs one more
            self._last_reload = now
        return self.index.searcher()

    def _meta(self) -> bytes | None:
        """The generation's ``meta.json``: tantivy rewrites it on every commit (its opstamp, the
        segments and their deletes), so the same bytes mean the same index: no reload needed.
        Read whole, not stat'ed: two commits within one timestamp tick can share an mtime."""
        try:
            with open(self._meta_path, "rb") as f:
                return f.read()
        except OSError:
            return None

    # -- writing ------------------------------------------------------------------
    def _lock_file(self) -> Path:
        return self.path / "newslink-writer.pid"

    def lock_for_writing(self) -> None:
        """Take the writer lock now (a job fails fast, before any work, if another holds it)."""
        self._get_writer()

    def _follow_live(self) -> None:
        """Switch to the live generation if a reindex promoted another one."""
        live = self._live_generation()
        if not self._pinned and live and live != self.generation:
            self.close()
            self.generation = live
            self._open()

    def _get_writer(self) -> tantivy.IndexWriter:
        """The one writer of this generation, with its lock.

        The lock is tantivy's: an OS file lock on ``.tantivy-writer.lock``, so
        it dies with its process and a job killed with SIGKILL never blocks the
        next one. ``newslink-writer.pid`` only names the holder for the error
        message; a PID file left by a dead process is stale and replaced.
        """
        for _attempt in range(3):
            if self._writer is not None:
                return self._writer
            self._follow_live()
            try:
                writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:
                if not self._pinned and self._live_generation() not in (None, self.generation):
                    continue  # promoted away meanwhile: lock the new live generation
                raise EngineError(self._locked_message()) from exc
            if not self._pinned and self._live_generation() not in (None, self.generation):
                # A reindex swapped generations between our check and the lock: the
                # one we hold is about to be deleted. Release it and follow.
                writer.rollback()
                del writer
                continue
            _write_pid(self._lock_file())
            self._writer = writer
            return writer
        raise EngineError(f"index {self.root} keeps changing generation under this job; retry when the reindex is done")

    def _locked_message(self) -> str:
        pid = _read_pid(self._lock_file())
        deadline = time.monotonic() + 0.5
        while pid is None and time.monotonic() < deadline:  # the holder writes it right after locking
            time.sleep(0.02)
            pid = _read_pid(self._lock_file())
        advice = "wait for it to finish or stop it"
        if pid == os.getpid():
            return f"index {self.path} is locked by PID {pid} (this process): another open engine is writing to it"
        if pid is not None and pid_alive(pid):
            return f"index {self.path} is locked by PID {pid}: another newslink job is writing to it; {advice}"
        named = f" (its PID file names {pid}, which is not running)" if pid is not None else ""
        return f"index {self.path} is locked by another process{named}: another job is writing to it; {advice}"

    def _to_tantivy(self, doc: dict[str, Any]) -> tantivy.Document:
        fields: dict[str, Any] = {
            "id": doc["id"],
            "title": doc.get("title") or "",
            "text": doc.get("text") or "",
            "doc": _stored_bytes(doc),
        }
        for facet in self.fields:
            qids = (doc.get("entities") or {}).get(facet) or []
            if qids:
                fields[facet] = list(qids)
        if doc.get("source"):
            fields["source"] = doc["source"]
        if doc.get("published"):
            fields["published"] = to_datetime(doc["published"])
        return tantivy.Document(**fields)

    def write(self, docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
        writer = self._get_writer()
        failed: list[tuple[str, str]] = []
        for doc in docs:
            try:
                converted = self._to_tantivy(doc)
            except (ValueError, TypeError, KeyError) as exc:
                failed.append((str(doc.get("id")), f"cannot convert document: {exc}"))
                continue
            try:
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(converted)
            except ValueError as exc:  # tantivy's writer died: an I/O error (a full disk) in its thread
                raise self._write_failed("writing to", exc) from exc
        return failed

    def _write_failed(self, doing: str, exc: ValueError) -> EngineError:
        """The writer is dead (nothing more can be written through it); the last commit is intact."""
        self._broken = True
        return EngineError(f"{doing} index {self.path} failed ({exc}); it keeps what was last committed")

    def commit(self) -> None:
        if self._writer is not None:
            try:
                self._writer.commit()
            except ValueError as exc:
                raise self._write_failed("committing to", exc) from exc
            self.index.reload()
            self._current = None  # this engine's own commit is seen by its next query

    def close(self) -> None:
        if self._writer is not None:
            try:
                if not self._broken:
                    self._writer.commit()
                    self._writer.wait_merging_threads()
            except ValueError as exc:
                raise self._write_failed("committing to", exc) from exc
            finally:
                self._writer = None  # dropping the writer releases the lock
                if _read_pid(self._lock_file()) == os.getpid():
                    self._lock_file().unlink(missing_ok=True)

    # -- queries ------------------------------------------------------------------
    def use_highlighter(self, native: ModuleType | None) -> None:
        """Highlight pages with ``native`` (the ``newslink_native`` extension) or, for None, the
        Python marker: the same HTML either way (the tests and the bench run both)."""
        self._native = native
        self.highlighter = native_snippet.highlighter_name(native)
        self._markers_of: tuple[tantivy.Searcher | None, dict[tuple[Term, ...], _MarkerSet]] = (None, {})  # see _markers

    def forget_queries(self) -> None:
        """Empty what this engine remembers of queries it answered: compiled texts, snippet
        markers, the word -> term memo. The answers stay the same; the bench's ``--cold`` times
        each query as if its text were new (those memos pay off when a text is repeated)."""
        self.compiler.forget_texts()
        self._markers_of = (None, {})
        self._analysed.clear()

    def search(self, query: SearchQuery) -> RawResults:
        searcher = self._searcher()
        text_q = self.compiler.text(query.parsed)
        main = self.compiler.combine(text_q, facet_registry.hit_filters(query))
        kwargs: dict[str, Any] = {}
        if query.sort in ("newest", "oldest"):
            kwargs = {"order_by_field": "published", "order": tantivy.Order.Desc if query.sort == "newest" else tantivy.Order.Asc}
        counted = self._count_facets(searcher, query, text_q)
        limit = max(query.size, 1)
        # The facet pass may have counted the hits already (a filter aggregation over exactly
        # their filters): then the search only ranks, without walking every match to count it.
        result = searcher.search(main, limit, count=counted.hits is None, offset=query.offset, **kwargs)
        total = (result.count or 0) if counted.hits is None else counted.hits
        found: list[Hit] = []
        if query.size and result.hits:
            snippets = self._snippets(searcher, query, text_q) if query.highlight else None
            found = self._hits([searcher.doc(address) for _key, address in result.hits],
                               None if kwargs else [key for key, _address in result.hits], snippets)
        return RawResults(total=total, hits=found, facets=counted.read(query, total))

    def _snippets(self, searcher: tantivy.Searcher, query: SearchQuery, text_q: tantivy.Query | None) -> "_Snippets | None":
        if text_q is None:
            return None
        # The terms tantivy's generators highlight: every term of the query in that field
        # (excluded ones too, as tantivy collects them), weighted as tantivy weighs them.
        terms = (*query.parsed.terms(), *query.parsed.excluded)
        owner, made = self._markers_of
        if owner is not searcher:
            made = {}
            self._markers_of = (searcher, made)
        setup = made.get(terms)
        if setup is None:
            if len(made) >= MAX_MARKER_SETS:
                made.clear()
            setup = made[terms] = self._markers(searcher, terms)
        return _Snippets(lambda name: _generator(searcher, text_q, self.schema, name), *setup)

    def _markers(self, searcher: tantivy.Searcher, terms: tuple[Term, ...]) -> "_MarkerSet":
        """(text marker, title marker, where snippet_region looks, the native page highlighter)
        for ``terms`` in ``searcher``'s view. Remembered while that searcher is the current one (a
        few FRESH_SECONDS; :meth:`_snippets`): a drill-down or the next page asks for the same terms,
        and their doc freqs and needles cost more than highlighting a page natively. Tied to the
        searcher object, so the weights are always those of the view tantivy highlights with."""
        analyse = self.analyzer.analyze
        tokens = [(t.field, analyse(t.text)) for t in terms]  # one analysis per term for both fields
        markers = {}
        wanted: list[tuple[str, float]] = []
        for name, max_chars in (("text", hits.SNIPPET_CHARS), ("title", TITLE_SNIPPET_CHARS)):
            stems = sorted({tok for field, toks in tokens if field in (None, name) for tok in toks})
            freqs = {stem: searcher.doc_freq(name, stem) for stem in stems}
            if name == "text":  # where snippet_region looks for them
                wanted = snippet_region.needles((stem, 1.0 / (1 + df)) for stem, df in freqs.items())
            weights = {stem: ascii_snippet.weight(df) for stem, df in freqs.items() if df > 0}
            markers[name] = ascii_snippet.Marker(weights, analyse, max_chars, self._analysed)
        page = None if self._native is None else native_snippet.page(self._native, markers["text"], markers["title"], wanted, hits.SNIPPET_CHARS)
        return markers["text"], markers["title"], wanted, page

    def _hits(self, docs: list[tantivy.Document], scores: list[float] | None, snippets: "_Snippets | None") -> list[Hit]:
        """The hits of a page (``scores``: None when sorted by date), highlighted together (``_Snippets.many``)."""
        texts = [doc.get_first("text") or "" for doc in docs]
        titles = [doc.get_first("title") or "" for doc in docs]
        texts_html, titles_html = snippets.many(docs, texts, titles) if snippets is not None else (None, None)
        return hits.make_hits(_heads(docs), scores, texts_html, titles_html, texts, titles)

    def _count_facets(self, searcher: tantivy.Searcher, query: SearchQuery, text_q) -> "_Counted":
        """Every facet's aggregations over its own filter set, in one pass where tantivy can.

        Multi-select counts each facet with the other facets' filters, so a query with a
        filter has several filter sets. The pass runs over the text and the clauses every
        set shares; a set with more clauses counts inside a ``filter`` aggregation of those
        (exact: the same documents as its own query). A set whose extra clauses a query
        string cannot state exactly (a date range) gets a pass of its own, as before.
        A facet with one selected value counts it without an aggregation: its documents
        are the hits (the other filters and its own), so its count is the hits' total
        (filled in by :meth:`_Counted.read`). A filter aggregation over exactly the hits'
        filters counts the hits themselves (its ``doc_count``).
        """
        groups: dict[tuple, list[facet_registry.Count]] = {}
        for count in facet_registry.counts(query):
            groups.setdefault(tuple(count.filters), []).append(count)
        if not groups:
            return _Counted([], set(), None)
        known = set(_selected_counts(query, [c for group in groups.values() for c in group], 0))
        hit_set = set(facet_registry.hit_filters(query))
        common = set.intersection(*(set(clauses) for clauses in groups))
        shared = [c for c in next(iter(groups)) if c in common]
        answers: list[tuple[dict[str, Any], list[facet_registry.Count]]] = []
        one_pass: dict[str, Any] = {}
        in_pass: list[tuple[str, list[facet_registry.Count], bool]] = []  # ("" = top level, or its filter aggregation)
        for n, (clauses, group) in enumerate(groups.items()):
            aggs = {f"{c.facet.name}__{sub}": agg for c in group for sub, agg in c.aggs.items() if (c.facet.name, sub) not in known}
            extra = [c for c in clauses if c not in common]
            where = self.compiler.filter_string(extra) if extra else ""
            if where is None:  # not stated exactly as a query string: a pass of its own
                answers.append((searcher.aggregate(self.compiler.combine(text_q, list(clauses)), self.compiler.aggregations(aggs)) if aggs else {}, group))
            elif where:
                one_pass[f"filter_{n}"] = {"filter": where, "aggs": aggs}
                in_pass.append((f"filter_{n}", group, set(clauses) == hit_set))
            else:
                one_pass.update(aggs)
                in_pass.append(("", group, False))
        result = searcher.aggregate(self.compiler.combine(text_q, shared), self.compiler.aggregations(one_pass)) if one_pass else {}
        hits = None
        for key, group, of_hits in in_pass:
            part = (result.get(key) or {}) if key else result
            if of_hits and isinstance(part.get("doc_count"), int):
                hits = part["doc_count"]
            answers.append((part, group))
        return _Counted(answers, known, hits)

    def aggregate(self, query: SearchQuery, extra: list[facet_registry.Clause], aggs: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        searcher = self._searcher()
        q = self.compiler.combine(self.compiler.text(query.parsed), facet_registry.hit_filters(query) + list(extra))
        total = searcher.search(q, 1, count=True).count or 0
        return total, (searcher.aggregate(q, self.compiler.aggregations(aggs)) if aggs and total else {})

    def scan(self, query: SearchQuery, batch_size: int = 1000) -> Iterator[Hit]:
        searcher = self._searcher()  # one snapshot for the whole export: no page sees another commit
        text_q = self.compiler.text(query.parsed)
        clauses = facet_registry.hit_filters(query)
        last: str | None = None
        while True:
            after = [self.compiler.after_id(last)] if last is not None else []
            result = searcher.search(self.compiler.combine(text_q, clauses, after), batch_size, count=False, order_by_field="id", order=tantivy.Order.Asc)
            docs = [searcher.doc(address) for _key, address in result.hits]
            page = hits.make_hits(_heads(docs), None, None, None, [""] * len(docs), [doc.get_first("title") or "" for doc in docs])
            if page:
                last = page[-1].id
            yield from page
            if len(result.hits) < batch_size:
                return

    # -- single documents -----------------------------------------------------------
    def get(self, doc_id: str) -> dict[str, Any] | None:
        searcher = self._searcher()
        result = searcher.search(tantivy.Query.term_query(self.schema, "id", doc_id), 1)
        if not result.hits:
            return None
        return _stored_json(searcher.doc(result.hits[0][1]))

    def stored_versions(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """One term-set query for the whole batch; only the stored head of each document is decoded."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return {}
        searcher = self._searcher()
        result = searcher.search(tantivy.Query.term_set_query(self.schema, "id", unique), len(unique), count=False)
        heads = _heads([searcher.doc(address) for _key, address in result.hits])
        return {head["id"]: (head.get("content_hash"), head.get("kb_version")) for head in heads}

    def count(self) -> int:
        return self._searcher().num_docs

    def count_entity(self, facet: str, qid: str) -> int:
        q = tantivy.Query.term_query(self.schema, facet, qid)
        return self._searcher().search(q, 1, count=True).count or 0

    def iter_documents(self, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        searcher = self._searcher()
        total = searcher.num_docs
        offset = 0
        while offset < total:
            result = searcher.search(tantivy.Query.all_query(), batch_size, count=False, order_by_field="id", offset=offset, order=tantivy.Order.Asc)
            if not result.hits:
                break
            for _key, address in result.hits:
                yield _stored_json(searcher.doc(address))
            offset += len(result.hits)

    def info(self) -> dict[str, Any]:
        self.refresh()  # first: follows a newly promoted generation before we describe it
        documents = self.count()
        size = sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
        return {
            "engine": self.name,
            "index": self.index_name,
            "generation": self.generation,
            "path": str(self.path),
            "documents": documents,
            "size_bytes": size,
        }

    # -- generations --------------------------------------------------------------
    def create_generation(self) -> "EmbeddedEngine":
        # Hold the live generation's writer lock until the swap: an index job
        # writing meanwhile would fill the generation the swap deletes (its
        # documents lost), so it is refused with "locked by PID" instead.
        self.lock_for_writing()
        # Holding that lock, no other rebuild can be running: any generation that
        # is not live was left by a rebuild that died (kill -9). Reclaim its disk.
        for folder in self.root.glob("gen-*"):
            if folder.name != self.generation and folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
        return EmbeddedEngine(self.root.parent.parent, self.index_name, generation=self._new_generation_name())

    def promote(self, generation: Engine) -> None:
        assert isinstance(generation, EmbeddedEngine)
        generation.close()
        old = self._live_generation()
        self._write_live(generation.generation)
        # Released only now: a job that takes the old generation's lock from here
        # on sees it is no longer live and follows the new one (_get_writer).
        self.close()  # before the old generation's folder goes: its open writer commits into it
        if old and old != generation.generation:
            shutil.rmtree(self.root / old, ignore_errors=True)
        self.generation = generation.generation
        self._open()

    def discard(self, generation: Engine) -> None:
        assert isinstance(generation, EmbeddedEngine)
        if generation.generation == self._live_generation():
            raise EngineError("refusing to discard the live generation")
        generation._writer = None
        shutil.rmtree(generation.path, ignore_errors=True)
        try:
            self.close()  # the lock create_generation took
        except EngineError:
            pass  # nothing was written through it; the lock is released all the same

    def drop(self) -> None:
        """Delete the whole index (every generation)."""
        self._writer = None
        shutil.rmtree(self.root, ignore_errors=True)


def _selected_counts(query: SearchQuery, counts: list[facet_registry.Count], total: int) -> dict[tuple[str, str], dict[str, Any]]:
    """The ``selected`` answers known without counting: a facet with one selected value,
    counted with every other filter (or its own too, in ``all`` mode), counts that value in
    exactly the hits, so its count is ``total``."""
    hit_set = set(facet_registry.hit_filters(query))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for c in counts:
        chosen = c.facet.selected(query)
        if "selected" in c.aggs and len(chosen) == 1 and set(c.filters) | set(c.facet.add_filter(query)) == hit_set:
            out[(c.facet.name, "selected")] = {"buckets": [{"key": chosen[0], "doc_count": total}] if total else []}
    return out


class _Counted:
    """A query's facet aggregation answers, read once the hits' total is known."""

    def __init__(self, answers: list[tuple[dict[str, Any], list[facet_registry.Count]]], known: set[tuple[str, str]], hits: int | None) -> None:
        self.answers, self.known = answers, known
        self.hits = hits  # the hits' total when a pass counted exactly their documents, else None

    def read(self, query: SearchQuery, total: int) -> dict[str, list[tuple[str, int]]]:
        known = _selected_counts(query, [c for _answer, group in self.answers for c in group], total) if self.known else {}
        out: dict[str, list[tuple[str, int]]] = {}
        for answer, group in self.answers:
            _read_counts(answer, group, query, known, out)
        return out


def _read_counts(result: dict[str, Any], group: list[facet_registry.Count], query: SearchQuery,
                 known: dict[tuple[str, str], dict[str, Any]], out: dict[str, list[tuple[str, int]]]) -> None:
    """Each facet of ``group`` read back from the aggregation answer it was counted in."""
    for c in group:
        own = {sub: known.get((c.facet.name, sub)) or result.get(f"{c.facet.name}__{sub}") or {} for sub in c.aggs}
        out[c.facet.name] = c.facet.get_values(own, query)


class _Snippets:
    """One query's highlighting: where its text terms are looked for (``snippet_region``), the
    markers that highlight ASCII text as tantivy would (``ascii_snippet``), and tantivy's own
    generators, made only when a text needs them."""

    def __init__(self, make_generator: "Callable[[str], tantivy.SnippetGenerator]", text_marker: ascii_snippet.Marker,
                 title_marker: ascii_snippet.Marker, wanted: list[tuple[str, float]], page: native_snippet.Page | None = None) -> None:
        self.make_generator, self.wanted, self.page = make_generator, wanted, page
        self.markers = {"text": text_marker, "title": title_marker}
        self.generators: dict[str, tantivy.SnippetGenerator] = {}

    def many(self, docs: list[tantivy.Document], texts: list[str], titles: list[str]) -> tuple[list[str | None], list[str | None]]:
        """(highlighted fragment of each text, each highlighted title) of a page (None: nothing
        to highlight). The text's fragment comes from the region where the query's words are
        when the text is long, else (or if that marks nothing) from the whole text; the title is
        highlighted whole. The whole page at once: natively (``native_snippet``) when the
        extension is there, else with the Python markers (``Marker.html_many``); a text or title
        either answers UNSURE for takes the Python path, ending in tantivy's generator."""
        unsure = ascii_snippet.UNSURE
        if self.page is not None:
            texts_html, titles_html = self.page(texts, titles)
            if unsure in texts_html:
                texts_html = [self._text(doc, text) if html is unsure else html for doc, text, html in zip(docs, texts, texts_html)]
        else:
            regions = [snippet_region.locate(text, self.wanted, hits.SNIPPET_CHARS) for text in texts]
            parts = [_part(text, region) for text, region in zip(texts, regions)]
            texts_html = [self._finish(doc, text, region, html) for doc, text, region, html
                          in zip(docs, texts, regions, self.markers["text"].html_many(parts))]
            titles_html = self.markers["title"].html_many(titles)
        if unsure in titles_html:
            titles_html = [self._tantivy("title", doc) if html is unsure else html for doc, html in zip(docs, titles_html)]
        return texts_html, titles_html  # type: ignore[return-value]

    def _text(self, doc: tantivy.Document, text: str) -> str | None:
        """One text's highlighted fragment by the Python path (region, marker, tantivy)."""
        region = snippet_region.locate(text, self.wanted, hits.SNIPPET_CHARS)
        return self._finish(doc, text, region, self.markers["text"].html(_part(text, region)))

    def _finish(self, doc: tantivy.Document, text: str, region: tuple[int, int] | None, html: object) -> str | None:
        """The marker's ``html`` of the text's region (or whole text), completed: tantivy's
        generator where the marker was UNSURE, the whole text where the region marked nothing."""
        if html is ascii_snippet.UNSURE:  # tantivy's generator on what the marker was given
            html = self._tantivy("text", doc if region is None else tantivy.Document(text=_part(text, region)))
        if html is None and region is not None:  # nothing marked in the region: the whole text
            html = self._html("text", text, lambda doc=doc: doc)
        return html  # type: ignore[return-value]

    def _html(self, field: str, text: str, doc: "Callable[[], tantivy.Document]") -> str | None:
        """tantivy's snippet of ``text`` (the ``field`` of ``doc()``) if it marks anything: from the
        marker, or from tantivy's generator when the marker cannot tell."""
        html = self.markers[field].html(text)
        if html is ascii_snippet.UNSURE:
            return self._tantivy(field, doc())
        return html  # type: ignore[return-value]

    def _tantivy(self, field: str, doc: tantivy.Document) -> str | None:
        """tantivy's own snippet of ``doc``'s ``field`` (its generator made on first use)."""
        if field not in self.generators:
            self.generators[field] = self.make_generator(field)
        return _marked(self.generators[field].snippet_from_doc(doc))


def _part(text: str, region: tuple[int, int] | None) -> str:
    return text if region is None else text[region[0]:region[1]]


def _generator(searcher: tantivy.Searcher, text_q: tantivy.Query, schema: tantivy.Schema, field: str) -> tantivy.SnippetGenerator:
    generator = tantivy.SnippetGenerator.create(searcher, text_q, schema, field)
    generator.set_max_num_chars(hits.SNIPPET_CHARS if field == "text" else TITLE_SNIPPET_CHARS)
    return generator


def _marked(snippet: tantivy.Snippet) -> str | None:
    """The snippet's HTML if it highlights anything. (tantivy escapes the text, so a ``<b>``
    in it is one of its marks; cheaper than asking for the list of highlighted ranges.)"""
    html = snippet.to_html()
    return html if "<b>" in html else None


def _has_field(path: Path, name: str) -> bool:
    """Whether the index at ``path`` has field ``name`` (True for a new, empty folder:
    it gets the current schema)."""
    try:
        meta = json.loads((path / "meta.json").read_text())
    except FileNotFoundError:
        return True
    except (OSError, json.JSONDecodeError) as exc:
        raise EngineError(f"cannot open index at {path}: unreadable meta.json ({exc})") from exc
    return any(f.get("name") == name for f in meta.get("schema") or [])


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _write_pid(path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, path)


# The stored document is two JSON texts joined by a newline: first what a search
# hit shows, then the rest (mentions, facets, …). A hit decodes only the first,
# ~1 KB instead of the whole article with every mention (a sixth of a faceted
# query's time before). json.dumps escapes control characters, so the newline is
# unambiguous; a document stored before this layout is one JSON text, and reads
# back the same way.
# The head also carries what an index job compares to skip an unchanged article
# (``stored_versions``), so that check never decodes mentions or text either.
# The title and the text are stored once, in their own stored fields (which the
# snippets read anyway), not again in the JSON: a hit used to fetch and decompress
# every article's text twice. Documents stored before carry them in the JSON too and
# read back the same; a reindex rewrites them in this layout.
_HIT_KEYS = (*hits.HIT_KEYS, "content_hash", "kb_version")
_FIELD_KEYS = ("title", "text")  # kept in their stored fields only (when a non-empty string)


def _in_field(doc: dict[str, Any], key: str) -> bool:
    value = doc.get(key)
    return key in _FIELD_KEYS and isinstance(value, str) and value != ""


def _stored_bytes(doc: dict[str, Any]) -> bytes:
    head = {k: doc[k] for k in _HIT_KEYS if k in doc and not _in_field(doc, k)}
    rest = {k: v for k, v in doc.items() if k not in _HIT_KEYS and not _in_field(doc, k)}
    return (json.dumps(head, ensure_ascii=False) + "\n" + json.dumps(rest, ensure_ascii=False)).encode("utf-8")


def _with_fields(doc: dict[str, Any], stored: tantivy.Document, keys: tuple[str, ...]) -> dict[str, Any]:
    """``doc`` with ``keys`` read from their stored fields where the JSON left them out."""
    for key in keys:
        if key not in doc:
            value = stored.get_first(key)
            if value:  # an empty field: the document had no such string (its JSON says what it had)
                doc[key] = value
    return doc


def _stored_json(stored: tantivy.Document) -> dict[str, Any]:
    """The whole document as it was written."""
    head, sep, rest = stored.get_first("doc").partition(b"\n")
    doc = _loads(head)
    if sep:
        doc.update(_loads(rest))
    return _with_fields(doc, stored, _FIELD_KEYS)


def _heads(docs: list[tantivy.Document]) -> list[dict[str, Any]]:
    """The JSON heads of a page's documents (``_HIT_KEYS`` but the title and text, which their
    stored fields hold; the whole document if stored in the old layout), decoded in one orjson
    call as one JSON array (a fifth less than ten calls on the bench's pages); a page with a
    head orjson refuses (a NaN ``json`` wrote) is decoded head by head."""
    heads = [stored.get_first("doc").partition(b"\n")[0] for stored in docs]  # a third less than find + memoryview
    try:
        return orjson.loads(b"[" + b",".join(heads) + b"]")
    except orjson.JSONDecodeError:
        return [_loads(head) for head in heads]


def _loads(data: bytes) -> Any:
    """JSON as ``json.dumps`` wrote it: orjson reads a hit's head in a third of the time the
    standard module takes; what orjson refuses and ``json`` wrote (a NaN) goes to ``json``."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(bytes(data))
