"""The Elasticsearch / OpenSearch engine: where newslink goes when one laptop is not enough.

Same contract as the embedded engine (``base.Engine``), on a cluster:

* Every index is a *generation* ``newslink-<index>-<timestamp>`` behind the alias
  ``newslink-<index>``; searches and single-document reads go through the alias.
  ``create_generation`` makes a new, unaliased index from ``mappings/articles.json``;
  ``promote`` swaps the alias in one ``_aliases`` request (remove old + add new, atomic
  on the cluster) and then deletes the old generation, so searches never see a gap.
* An interrupted rebuild never touches the alias. A generation being built carries a
  heartbeat in its mapping ``_meta``; the next ``create_generation`` deletes unaliased
  generations whose heartbeat is older than ``stale_after`` (left by a killed job).
* An index job and a reindex never overlap (the job's documents would be lost at the
  swap): the job records a writer heartbeat in the live generation's ``_meta`` and then
  looks for a build heartbeat; a reindex records its build heartbeat and then looks for
  a writer heartbeat. Each marks before it looks, so one of the two always sees the other.
* Writes go through ``helpers.streaming_bulk`` in chunks: 429 and 502/503/504 are retried
  with exponential backoff, per-document rejections come back as ``(id, reason)``, and a
  lost connection raises :class:`EngineError` saying how many documents the server had
  confirmed -- only confirmed documents are ever counted as indexed.
* Queries are built by :mod:`.es_query` from the same ``SearchQuery`` as the embedded
  engine; :mod:`.es_client` makes the official 8.x client talk to OpenSearch too.
"""
from __future__ import annotations

import json
import os
import socket
import uuid
from importlib import resources
import re
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from newslink.indexer.schema import COUNTRY_NAMED, FACET_TYPES
from newslink.indexer.processes import pid_alive

from .. import facets as facet_registry
from ..query import QueryError, SearchQuery
from ..results import Hit, RawResults
from .base import Engine, EngineError, check_index_name
from .hits import make_hit
from .es_client import ServerInfo, connect, redact, unreachable
from .es_query import facet_field, filtered_query, rename_fields, search_body
from .hits import HIT_KEYS



def _mapping_file() -> Path:
    """``$NEWSLINK_MAPPINGS/articles.json``, else the file shipped as ``newslink.mappings``."""
    folder = os.environ.get("NEWSLINK_MAPPINGS")
    base = Path(folder) if folder else Path(str(resources.files("newslink.mappings")))
    return base / "articles.json"


MAPPING_FILE = _mapping_file()
MAPPING_MARK = "newslink_mapping"  # in _meta: this index was made by newslink from the file
BUILD_MARK = "newslink_build"  # in _meta while a generation is being filled
WRITER_MARK = "newslink_writer"  # in the live generation's _meta: {job id: epoch seconds} per index job
HEARTBEAT_EVERY = 30.0
STALE_AFTER = 15 * 60.0


def load_mapping(path: Path = MAPPING_FILE) -> dict[str, Any]:
    """``{"settings": …, "mappings": …}`` from the mapping file (the only source of both)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EngineError(f"cannot read index mapping {path}: {exc}") from exc
    if not isinstance(data.get("mappings"), dict) or MAPPING_MARK not in data["mappings"].get("_meta", {}):
        raise EngineError(f"{path} has no mappings._meta.{MAPPING_MARK}; is it newslink's mapping file?")
    return {"settings": data.get("settings") or {}, "mappings": data["mappings"]}


def _reason(exc: ApiError) -> str:
    """The most specific reason an API error body gives."""
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        cause = (err.get("root_cause") or [err])[0]
        return f"{cause.get('type', err.get('type'))}: {cause.get('reason', err.get('reason'))}"
    return str(err or exc.message)


def _item_reason(info: dict[str, Any]) -> str:
    err = info.get("error")
    if isinstance(err, dict):
        reason = f"{err.get('type')}: {err.get('reason')}"
        caused = err.get("caused_by")
        if isinstance(caused, dict) and caused.get("reason"):
            reason += f" ({caused.get('reason')})"
        return reason
    return f"HTTP {info.get('status')}: {err}"


class ElasticsearchEngine(Engine):
    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        index_name: str = "articles",
        *,
        generation: str | None = None,
        chunk_size: int = 500,
        max_retries: int = 3,
        initial_backoff: float = 1.0,
        stale_after: float = STALE_AFTER,
        mapping_file: Path = MAPPING_FILE,
        _connection: tuple[Elasticsearch, ServerInfo] | None = None,
    ) -> None:
        check_index_name(index_name)
        self.url = url
        self.index_name = index_name
        self.alias = f"newslink-{index_name}"
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.stale_after = stale_after
        self.mapping_file = mapping_file
        self.indexed = 0  # documents the server confirmed through this engine object
        self._owns_client = _connection is None
        self.client, self.server = _connection or connect(url)
        self._pinned = generation  # a generation being built, not the live alias
        self._last_heartbeat = 0.0
        # An index job's identity in WRITER_MARK; host and PID say who it is to a person reading _meta.
        self._writer_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._writer_beat: float | None = None  # monotonic time of our last writer heartbeat
        self._unrefreshed = False  # confirmed writes a refresh has not made searchable yet
        self._stand_ins_cache: tuple[float, dict[str, str]] | None = None
        if generation is None:
            self._ensure_live()

    # -- plumbing ---------------------------------------------------------------------
    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Client errors -> EngineError with what we were doing and what the server said."""
        try:
            yield
        except NotFoundError as exc:
            raise EngineError(f"{doing}: {_reason(exc)} (no index {self.alias} on {redact(self.url)}? run `newslink index` first)") from exc
        except ApiError as exc:
            raise EngineError(f"{doing} failed on {self.server.describe()}: HTTP {exc.meta.status} {_reason(exc)}") from exc
        except TransportError as exc:
            raise unreachable(self.url, exc) from exc

    @property
    def target(self) -> str:
        """Where reads and writes go: the pinned generation, else the live alias."""
        return self._pinned or self.alias

    def _generation_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.alias)}-\d{{20}}$")

    def _new_generation_name(self) -> str:
        return f"{self.alias}-{datetime.now(timezone.utc).strftime('%Y%m%d%H%M%S%f')}"

    def _live_indices(self) -> list[str]:
        with self._errors("reading alias"):
            try:
                return sorted(self.client.indices.get_alias(name=self.alias).body)
            except NotFoundError:
                return []

    def _create_index(self, name: str, building: bool) -> None:
        body = load_mapping(self.mapping_file)
        if building:
            body["mappings"]["_meta"] = {**body["mappings"].get("_meta", {}), BUILD_MARK: {"heartbeat": time.time()}}
        with self._errors(f"creating index {name}"):
            self.client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
        self._last_heartbeat = time.monotonic()

    def _ensure_live(self) -> None:
        """First use of an index name: create a generation and point the alias at it."""
        if self._live_indices():
            return
        with self._errors("checking index"):
            if self.client.indices.exists(index=self.alias):
                raise EngineError(f"{self.alias} is a concrete index, not an alias; newslink needs it as an alias (delete or reindex it)")
        name = self._new_generation_name()
        self._create_index(name, building=False)
        with self._errors("creating alias"):
            self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": self.alias}}])
        live = self._live_indices()
        if len(live) > 1 and live[0] != name:  # another process got there first: keep its index
            with self._errors("resolving a race on first use"):
                self.client.indices.update_aliases(actions=[{"remove": {"index": name, "alias": self.alias}}])
                self.client.indices.delete(index=name, ignore_unavailable=True)

    # -- writing ----------------------------------------------------------------------
    def _refuse_during_rebuild(self) -> None:
        """A live write while a reindex fills a new generation would be lost at the swap
        (the old generation is dropped), so an index job refuses to start then -- the
        counterpart of the embedded engine's writer lock."""
        live = set(self._live_indices())
        building = [n for n in self.generations() if n not in live]
        if not building:
            return
        with self._errors("reading generations"):
            metas = _metas(self.client, building)
        for name in building:
            beat = (metas[name].get(BUILD_MARK) or {}).get("heartbeat")
            if beat is not None and time.time() - float(beat) < self.stale_after:
                raise EngineError(
                    f"a reindex is building {name} (last heartbeat {time.time() - float(beat):.0f} s ago); documents "
                    f"written to {self.alias} now would be dropped when it is swapped in. Wait for it to finish "
                    f"(a reindex that died stops blocking after {self.stale_after / 60:.0f} minutes)."
                )

    def _live_meta(self) -> dict[str, dict[str, Any]]:
        """The mapping ``_meta`` of each generation the alias points at."""
        live = self._live_indices()
        if not live:
            return {}
        with self._errors("reading the live mapping"):
            return _metas(self.client, live)

    def _other_writers(self, meta: dict[str, Any], now: float) -> dict[str, float]:
        """Writer heartbeats in ``meta`` younger than ``stale_after``, ours left out (a
        job's own writes are finished when it reindexes, so they cannot be lost), and
        those of jobs on this host whose process is gone (a job that failed or was
        killed cannot write again; it must not block a reindex for ``stale_after``)."""
        beats: dict[str, float] = {}
        for job, beat in (meta.get(WRITER_MARK) or {}).items():
            try:
                age = now - float(beat)
            except (TypeError, ValueError):
                continue  # not ours to interpret; it never blocks
            if job != self._writer_id and age < self.stale_after and _job_may_run(job):
                beats[job] = float(beat)
        return beats

    def _writer_heartbeat(self) -> None:
        """Tell a reindex that an index job writes through the alias (see ``create_generation``).

        The heartbeat goes in before the check for a build, so a reindex that starts in
        between sees it. The check is repeated whenever a reindex may have missed us:
        our heartbeat had gone stale, or it is gone from the live ``_meta`` (the alias moved,
        or another job's read-modify-write of ``_meta`` overwrote it).
        """
        if self._writer_beat is not None and time.monotonic() - self._writer_beat < HEARTBEAT_EVERY:
            return
        lapsed = self._writer_beat is None or time.monotonic() - self._writer_beat >= self.stale_after / 2
        now = time.time()
        for name, meta in self._live_meta().items():
            lapsed = lapsed or self._writer_id not in (meta.get(WRITER_MARK) or {})
            # put_mapping replaces the whole _meta: keep MAPPING_MARK and everything else
            meta[WRITER_MARK] = {**self._other_writers(meta, now), self._writer_id: now}
            with self._errors("writer heartbeat"):
                self.client.indices.put_mapping(index=name, meta=meta)
        self._writer_beat = time.monotonic()
        if lapsed:
            try:
                self._refuse_during_rebuild()
            except EngineError:
                self._withdraw_writer()  # refused: we will not write, so do not block a reindex
                raise

    def _withdraw_writer(self) -> None:
        """Remove our writer heartbeat, best effort: one left behind (server gone, job
        killed) blocks a reindex only until it is ``stale_after`` old."""
        if self._writer_beat is None:
            return
        self._writer_beat = None
        try:
            client = self.client.options(request_timeout=5.0, max_retries=0)  # never hang a closing job
            live = sorted(client.indices.get_alias(name=self.alias).body)
            for name, meta in _metas(client, live).items():
                before = dict(meta.get(WRITER_MARK) or {})
                # ours, and any left by a job of this host that ended without removing its own
                writers = {job: beat for job, beat in before.items() if job != self._writer_id and _job_may_run(job)}
                if writers == before:
                    continue
                if writers:
                    meta[WRITER_MARK] = writers
                else:
                    meta.pop(WRITER_MARK, None)
                client.indices.put_mapping(index=name, meta=meta)
        except NotFoundError:
            pass  # the index is gone (dropped), and our heartbeat with it
        except (TransportError, ApiError) as exc:
            warnings.warn(
                f"could not remove the writer heartbeat from {self.alias} ({exc}); a reindex refuses to start "
                f"until it is {self.stale_after / 60:.0f} minutes old", stacklevel=2,
            )

    def write(self, docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
        if not self._pinned:
            self._writer_heartbeat()
        failed: list[tuple[str, str]] = []
        target = self.target

        def actions() -> Iterator[dict[str, Any]]:
            for doc in docs:
                doc_id = doc.get("id")
                if not isinstance(doc_id, str) or not doc_id:
                    failed.append((str(doc_id), "document has no id"))
                    continue
                yield {"_op_type": "index", "_index": target, "_id": doc_id, "_source": doc}

        extra = {} if self._pinned else {"require_alias": True}  # never auto-create a concrete index
        confirmed = 0
        try:
            for ok, item in helpers.streaming_bulk(
                self.client,
                actions(),
                chunk_size=self.chunk_size,
                max_chunk_bytes=20 * 1024 * 1024,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=self.max_retries,
                initial_backoff=self.initial_backoff,
                max_backoff=30,
                retry_on_status=(429, 502, 503, 504),
                **extra,
            ):
                info = next(iter(item.values()))
                if ok:
                    confirmed += 1
                    self.indexed += 1
                    self._unrefreshed = True
                else:
                    failed.append((str(info.get("_id")), _item_reason(info)))
        except TransportError as exc:
            raise EngineError(
                f"lost the connection to {redact(self.url)} while indexing ({exc.__class__.__name__}): "
                f"{confirmed} of the {len(docs)} documents in this batch were confirmed indexed, {self.indexed} in all; "
                "the rest were not indexed (or not confirmed). Rerun the same command when the server is back: "
                "documents are upserted by id, so nothing is duplicated."
            ) from exc
        except ApiError as exc:
            raise EngineError(
                f"bulk indexing into {target} failed: HTTP {exc.meta.status} {_reason(exc)}; "
                f"{confirmed} of the {len(docs)} documents in this batch were confirmed indexed, {self.indexed} in all"
            ) from exc
        self._heartbeat()
        return failed

    def _heartbeat(self, force: bool = False) -> None:
        """Tell other jobs this generation is still being built (see ``_drop_stale``)."""
        if not self._pinned or (not force and time.monotonic() - self._last_heartbeat < HEARTBEAT_EVERY):
            return
        meta = load_mapping(self.mapping_file)["mappings"].get("_meta", {})
        with self._errors("heartbeat"):
            self.client.indices.put_mapping(index=self._pinned, meta={**meta, BUILD_MARK: {"heartbeat": time.time()}})
        self._last_heartbeat = time.monotonic()

    def commit(self) -> None:
        with self._errors("refresh"):
            self.client.indices.refresh(index=self.target)
        self._unrefreshed = False

    def _refresh_on_close(self) -> None:
        """Make our confirmed writes searchable, as the embedded engine's close() commits
        them. Best effort: the writes are durable anyway (acknowledged bulk items are in
        the translog) and become visible at the next periodic refresh."""
        if not self._unrefreshed:
            return
        self._unrefreshed = False
        try:
            self.client.options(request_timeout=10.0, max_retries=0).indices.refresh(index=self.target)
        except (TransportError, ApiError):
            pass

    def close(self) -> None:
        self._refresh_on_close()
        if not self._pinned:
            self._withdraw_writer()
        if self._owns_client:
            self.client.close()

    # -- reading ----------------------------------------------------------------------
    def _stand_ins(self) -> dict[str, str]:
        """Fields the index lacks -> where its values are. A generation made before the
        country roll-up has no ``entities.country_named``; its ``entities.country`` held
        only named countries, so the named scope reads that (``newslink reindex`` adds
        both). Checked once a minute, and only for queries that use the field."""
        now = time.monotonic()
        if self._stand_ins_cache is None or now - self._stand_ins_cache[0] > 60:
            field_ = f"entities.{COUNTRY_NAMED}"
            with self._errors("reading mapping"):
                found = self.client.indices.get_field_mapping(index=self.target, fields=field_).body
            lacking = any(field_ not in (m.get("mappings") or {}) for m in found.values())
            self._stand_ins_cache = (now, {field_: facet_field("country")} if lacking else {})
        return self._stand_ins_cache[1]

    def _body(self, query: SearchQuery, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` as this index can answer it (see :meth:`_stand_ins`)."""
        return rename_fields(body, self._stand_ins()) if query.country_scope == "named" else body

    def search(self, query: SearchQuery) -> RawResults:
        query.validate()  # a query mutated after construction still gets the page cap error
        body = self._body(query, search_body(query))
        with self._errors("search"):
            try:
                resp = self.client.search(index=self.target, **body).body
            except NotFoundError:  # the alias moved between resolving and reading: ask again
                resp = self.client.search(index=self.target, **body).body
        hits = [self._hit(h, query) for h in resp["hits"]["hits"]]
        total = resp["hits"]["total"]
        total = total["value"] if isinstance(total, dict) else int(total)
        return RawResults(total=total, hits=hits, facets=self._facets(resp.get("aggregations") or {}, query))

    @staticmethod
    def _hit(raw: dict[str, Any], query: SearchQuery) -> Hit:
        doc = raw.get("_source") or {}
        marks = raw.get("highlight") or {}
        score = raw.get("_score") if query.sort == "relevance" else None
        return make_hit(
            {**doc, "id": doc.get("id") or raw["_id"]},
            score=score,
            snippet=(marks.get("text") or [None])[0],
            title_html=(marks.get("title") or [None])[0],
            text=doc.get("text") or "",
        )

    @staticmethod
    def _facets(aggs: dict[str, Any], query: SearchQuery) -> dict[str, list[tuple[str, int]]]:
        return {c.facet.name: c.facet.get_values(aggs.get(c.facet.name) or {}, query) for c in facet_registry.counts(query)}

    def aggregate(self, query: SearchQuery, extra: list[facet_registry.Clause], aggs: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = {"query": filtered_query(query, extra), "size": 0, "track_total_hits": True}
        if aggs:
            body["aggs"] = aggs
        body = self._body(query, body)
        with self._errors("aggregate"):
            resp = self.client.search(index=self.target, **body).body
        total = resp["hits"]["total"]
        return (total["value"] if isinstance(total, dict) else int(total)), resp.get("aggregations") or {}

    def scan(self, query: SearchQuery, batch_size: int = 1000) -> Iterator[Hit]:
        body = self._body(query, {"query": filtered_query(query), "sort": [{"id": {"order": "asc"}}], "size": batch_size,
                                  "track_total_hits": False, "_source": list(HIT_KEYS)})
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after is not None else {}
            with self._errors("export"):
                found = self.client.search(index=self.target, **body, **extra).body["hits"]["hits"]
            for raw in found:
                doc = raw.get("_source") or {}
                yield make_hit({**doc, "id": doc.get("id") or raw["_id"]}, score=None, snippet="", title_html=None)
            if len(found) < batch_size:
                return
            after = found[-1]["sort"]

    def get(self, doc_id: str) -> dict[str, Any] | None:
        with self._errors("get"):
            try:
                return self.client.get(index=self.target, id=doc_id).body.get("_source")
            except NotFoundError as exc:
                if isinstance(exc.body, dict) and exc.body.get("found") is False:
                    return None
                raise

    def stored_versions(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """One ``_mget`` for the whole batch, fetching only the two fields compared.

        A multi-get is real-time (it reads the translog), so it also sees documents
        written a moment ago that no refresh has made searchable yet."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return {}
        with self._errors("looking up stored documents"):
            found = self.client.mget(index=self.target, ids=unique, source_includes=["content_hash", "kb_version"]).body
        out: dict[str, tuple[str | None, str | None]] = {}
        for row in found.get("docs") or []:
            if row.get("found"):
                source = row.get("_source") or {}
                out[row["_id"]] = (source.get("content_hash"), source.get("kb_version"))
        return out

    def count(self) -> int:
        with self._errors("count"):
            return int(self.client.count(index=self.target).body["count"])

    def count_entity(self, facet: str, qid: str) -> int:
        if facet not in FACET_TYPES:
            raise QueryError("facet", f"unknown facet type {facet!r} (use {', '.join(FACET_TYPES)})")
        with self._errors("count"):
            return int(self.client.count(index=self.target, query={"term": {facet_field(facet): qid}}).body["count"])

    def iter_documents(self, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every document in id order, paged with ``search_after`` (no 10,000 window).

        Refreshes first: a search sees only what the last refresh exposed, and a reindex
        must copy every acknowledged document, also those an index job wrote a moment ago
        (Lucene, unlike an in-memory emulator, does not show a write before a refresh)."""
        with self._errors("refresh before reading documents"):
            self.client.indices.refresh(index=self.target)
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after is not None else {}
            with self._errors("reading documents"):
                resp = self.client.search(
                    index=self.target, query={"match_all": {}}, sort=[{"id": {"order": "asc"}}],
                    size=batch_size, track_total_hits=False, **extra,
                ).body
            hits = resp["hits"]["hits"]
            for raw in hits:
                yield raw["_source"]
            if len(hits) < batch_size:
                return
            after = hits[-1]["sort"]

    def info(self) -> dict[str, Any]:
        generation = self.generation
        size = 0
        with self._errors("index stats"):
            try:
                stats = self.client.indices.stats(index=self.target, metric="store").body
                size = int(stats.get("_all", {}).get("primaries", {}).get("store", {}).get("size_in_bytes", 0))
            except ApiError:
                pass  # stats are a nicety; some OpenSearch-compatible servers estimate or lack them
        return {
            "engine": self.name,
            "index": self.index_name,
            "alias": self.alias,
            "generation": generation,
            "server": self.server.describe(),
            "url": redact(self.url),
            "path": f"{redact(self.url).rstrip('/')}/{self.alias}",
            "documents": self.count(),
            "size_bytes": size,
        }

    @property
    def generation(self) -> str:
        if self._pinned:
            return self._pinned
        live = self._live_indices()
        return live[0] if live else ""

    # -- generations ------------------------------------------------------------------
    def generations(self) -> list[str]:
        """Every newslink generation of this index on the server, live or not."""
        with self._errors("listing generations"):
            names = self.client.indices.get(index=f"{self.alias}-*", expand_wildcards="open,closed").body
        pattern = self._generation_pattern()
        return sorted(n for n in names if pattern.match(n))

    def _drop_stale(self) -> list[str]:
        """Delete unaliased generations nobody has written to for ``stale_after`` seconds."""
        live = set(self._live_indices())
        candidates = [n for n in self.generations() if n not in live]
        if not candidates:
            return []
        with self._errors("reading generations"):
            metas = _metas(self.client, candidates)
        dropped = []
        now = time.time()
        for name in candidates:
            meta = metas[name]
            beat = float((meta.get(BUILD_MARK) or {}).get("heartbeat", 0.0))
            if now - beat >= self.stale_after:
                with self._errors(f"deleting stale generation {name}"):
                    self.client.indices.delete(index=name, ignore_unavailable=True)
                dropped.append(name)
        return dropped

    def _refuse_during_write(self, name: str) -> None:
        """A reindex while an index job writes through the alias would drop the job's
        later documents with the old generation, so it does not start then. Called with
        the build heartbeat of ``name`` already in place (an index job starting from now
        on refuses), it deletes ``name`` again if it refuses."""
        try:
            now = time.time()
            beats = {job: beat for meta in self._live_meta().values() for job, beat in self._other_writers(meta, now).items()}
        except EngineError:
            self._delete_unfinished(name)
            raise
        if beats:
            self._delete_unfinished(name)
            jobs = ", ".join(sorted(beats))
            raise EngineError(
                f"an index job is writing to {self.alias} (last heartbeat {max(0.0, now - max(beats.values())):.0f} s ago); wait for it "
                f"to finish, then rerun the reindex (a job that died stops blocking after {self.stale_after / 60:.0f} minutes; "
                f"one known to be gone: `newslink reindex --clear-writer JOB`; writing: {jobs})"
            )

    def _delete_unfinished(self, name: str) -> None:
        """Delete a generation that will not be promoted, best effort: the caller is
        reporting a failure already, and the next reindex removes it once stale."""
        try:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        except (TransportError, ApiError) as exc:
            warnings.warn(f"could not delete unfinished generation {name} ({exc}); the next reindex removes it", stacklevel=3)

    def clear_writers(self, jobs: list[str]) -> list[str]:
        """Remove the writer heartbeats of ``jobs`` (index jobs known to be gone, on
        another host, say) from the live generation; return the ones that were there."""
        removed: set[str] = set()
        for name, meta in self._live_meta().items():
            writers = dict(meta.get(WRITER_MARK) or {})
            gone = [job for job in jobs if writers.pop(job, None) is not None]
            if not gone:
                continue
            removed.update(gone)
            if writers:
                meta[WRITER_MARK] = writers
            else:
                meta.pop(WRITER_MARK, None)
            with self._errors("clearing writer heartbeats"):
                self.client.indices.put_mapping(index=name, meta=meta)
        return sorted(removed)

    def create_generation(self) -> "ElasticsearchEngine":
        self._drop_stale()
        name = self._new_generation_name()
        self._create_index(name, building=True)  # first: from here on an index job refuses to start
        self._refuse_during_write(name)
        return ElasticsearchEngine(
            self.url, self.index_name, generation=name, chunk_size=self.chunk_size, max_retries=self.max_retries,
            initial_backoff=self.initial_backoff, stale_after=self.stale_after, mapping_file=self.mapping_file,
            _connection=(self.client, self.server),
        )

    def promote(self, generation: Engine) -> None:
        if not isinstance(generation, ElasticsearchEngine) or not generation._pinned:
            raise EngineError("promote() needs a generation made by create_generation()")
        new = generation._pinned
        with self._errors(f"checking generation {new}"):
            if not self.client.indices.exists(index=new):
                raise EngineError(f"generation {new} no longer exists (deleted as stale?); rerun the reindex")
            meta = self.client.indices.get_mapping(index=new).body[new]["mappings"].get("_meta") or {}
        if MAPPING_MARK not in meta:
            raise EngineError(f"{new} was not created from newslink's mapping (auto-created by a stray write?); not promoting it")
        with self._errors(f"finishing generation {new}"):
            self.client.indices.refresh(index=new)
            base_meta = load_mapping(self.mapping_file)["mappings"].get("_meta", {})
            self.client.indices.put_mapping(index=new, meta=base_meta)  # built: drop the heartbeat
        old = [n for n in self._live_indices() if n != new]
        actions = [{"remove": {"index": n, "alias": self.alias}} for n in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        with self._errors("swapping alias"):
            self.client.indices.update_aliases(actions=actions)  # one request: atomic
        for name in old:
            with self._errors(f"deleting old generation {name}"):
                self.client.indices.delete(index=name, ignore_unavailable=True)
        self._writer_beat = None  # our writer heartbeat went with the old generation
        self._stand_ins_cache = None  # the new generation has the current mapping

    def discard(self, generation: Engine) -> None:
        if not isinstance(generation, ElasticsearchEngine) or not generation._pinned:
            raise EngineError("discard() needs a generation made by create_generation()")
        name = generation._pinned
        try:
            live = self._live_indices()
        except EngineError as exc:
            warnings.warn(f"could not check unfinished generation {name} ({exc}); the next reindex removes it", stacklevel=2)
            return
        if name in live:
            raise EngineError("refusing to discard the live generation")
        self._delete_unfinished(name)

    def drop(self) -> None:
        """Delete the alias and every generation of this index."""
        names = self.generations()
        if names:
            with self._errors("dropping index"):
                self.client.indices.delete(index=",".join(names), ignore_unavailable=True)
        self._writer_beat = None  # our writer heartbeat went with the index


def _job_may_run(job: str) -> bool:
    """Whether the index job named ``job`` (``host:pid:tag``) may still be running: a
    job of another host may; one of this host only while its process lives."""
    host, _sep, rest = job.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    return pid_alive(int(pid))


def _metas(client: Elasticsearch, names: list[str]) -> dict[str, dict[str, Any]]:
    """The mapping ``_meta`` of each index in ``names`` (a copy to edit; empty where
    it has none): where newslink keeps its build and writer heartbeats."""
    if not names:
        return {}
    mappings = client.indices.get_mapping(index=",".join(names)).body
    return {name: dict(mappings.get(name, {}).get("mappings", {}).get("_meta") or {}) for name in names}
