"""The indexing job: sources -> articles -> spaCy -> mentions -> links -> documents -> sink.

The sink is anything with ``write(docs) -> list[(id, reason)]`` (the ids it failed
to store) and ``commit()``; the search side's engines implement it. Keeping the
protocol here means the indexer never imports the search package.
"""
from __future__ import annotations

import gc
import itertools
import multiprocessing as mp
import os
import queue
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows: the workers' CPU is then not reported
    resource = None  # type: ignore[assignment]

from .allocator import tune_worker_allocator
from .article import Article
from .batching import capped_batches
from .document import article_from_document, build_document, content_hash
from .kb import KnowledgeBase
from .linking import Explanation, Link, Linker
from .linking.unlinked import UnlinkedName, UnlinkedNames
from .readers import ReadItem
from .records import Problem
from .processes import MIN_CHUNKS_PER_WORKER, exit_with_parent, workers_for

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# spaCy (and the modules that import it: nlp, mentions, gazetteer) is imported where a
# text is parsed, never by a pool's parent: its import is ~1 s and ~50 MiB that the
# job would pay before its workers even start (what a 200-article job is measured on).


class DocumentSink(Protocol):
    def write(self, docs: list[dict[str, Any]]) -> list[tuple[str, str]]: ...
    def commit(self) -> None: ...


@dataclass
class IndexSummary:
    indexed: int = 0  # written by this job: new + changed
    new: int = 0  # ids the index did not hold
    changed: int = 0  # ids it held with other content or another KB version
    unchanged: int = 0  # held with the same content and KB version: skipped unparsed (unless forced)
    committed: int = 0  # of ``indexed``, how many a commit has made durable
    skipped: int = 0  # records lost to errors (bad input or rejected by the engine)
    warnings: int = 0
    entities_linked: int = 0  # distinct (article, QID) pairs
    mentions: int = 0
    nil_mentions: int = 0
    seconds: float = 0.0
    # CPU seconds of the job: this process (reading, hashing, look-ups, building and
    # writing documents; parsing too when it runs without workers) and its linking
    # workers (counted once they have exited; not those a fork server forked). Where
    # the parent's share per article nears a worker's divided by the workers, the
    # parent is the bottleneck (bench/index_throughput.py --workers-list).
    cpu_seconds: float = 0.0
    worker_cpu_seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        rate = self.indexed / self.seconds if self.seconds else 0.0
        return {
            "indexed": self.indexed,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "committed": self.committed,
            "skipped": self.skipped,
            "errors": sum(1 for p in self.problems if p.fatal),
            "warnings": self.warnings,
            "entities_linked": self.entities_linked,
            "entities_per_article": round(self.entities_linked / self.indexed, 2) if self.indexed else 0.0,
            "mentions": self.mentions,
            "nil_mentions": self.nil_mentions,
            "seconds": round(self.seconds, 2),
            "articles_per_second": round(rate, 1),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "worker_cpu_seconds": round(self.worker_cpu_seconds, 3),
        }


# One spaCy pipeline per KB per process: a second EntityPipeline on the same KB
# (the API and a reindex, a test session) shares it, and a forked worker
# inherits it instead of loading the model again.
_NLP: dict[tuple[str, str], Language] = {}


def _nlp_for(kb: KnowledgeBase) -> Language:
    key = (str(Path(kb.path).resolve()), kb.version)
    nlp = _NLP.get(key)
    if nlp is None:
        from .nlp import load_pipeline

        nlp = _NLP[key] = load_pipeline(kb)
    return nlp


# What one article comes back as: its links, and (when asked for) its unlinked names.
Linked = tuple[list[Link], list[UnlinkedName]]


class _Linking:
    """What one process needs to turn texts into links: spaCy + gazetteer + linker
    (+ the unlinked-name finder, loaded when first asked for)."""

    def __init__(self, kb: KnowledgeBase, linker: Linker) -> None:
        self.kb = kb
        self.linker = linker
        self.nlp: Language = _nlp_for(kb)
        from .mentions import extract_mentions

        self._extract = extract_mentions
        self._names: UnlinkedNames | None = None

    def links(self, doc: Doc, text: str) -> list[Link]:
        """``text`` is what ``doc`` was made from (``doc.text`` rebuilds it token by token)."""
        return self.linker.link(self._extract(doc, self.kb, text), text)

    def linked(self, doc: Doc, text: str, names: bool) -> Linked:
        links = self.links(doc, text)
        if not names:
            return links, []
        if self._names is None:
            self._names = UnlinkedNames(self.kb, self.linker.threshold)
        return links, self._names.find(links, text)

    def link_texts(self, texts: list[str], batch_size: int, names: bool) -> list[Linked]:
        return [self.linked(doc, text, names) for doc, text in zip(self.nlp.pipe(texts, batch_size=batch_size), texts)]


def _worker(parent_pid: int, kb_path: str, kb_version: str, threshold: float, batch_size: int, names: bool, tasks: Any, results: Any) -> None:
    """A linking process: texts in, compact links out (never whole spaCy Docs).

    Parsing, gazetteer matching, mention extraction, linking and (``names``) finding
    the unlinked names all happen here, so the parent only reads articles and
    builds and writes documents. Shipping back the Link objects (a few hundred
    bytes per article) instead of serialized Docs keeps the parent from becoming
    the bottleneck.
    """
    exit_with_parent(parent_pid)
    tune_worker_allocator()  # before the model loads: spaCy's batch arrays in small pages (hugepages.py; NEWSLINK_WORKER_MALLOC, allocator.py)
    try:
        kb = KnowledgeBase(Path(kb_path))  # its own connection: never one shared across fork
        if kb.version != kb_version:
            raise RuntimeError(f"knowledge base {kb_path} changed while indexing (version {kb.version}, expected {kb_version})")
        linking = _Linking(kb, Linker(kb, threshold))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        results.put((-1, None, traceback.format_exc()))
        return
    frozen = False
    while True:
        task = tasks.get()
        if task is None:
            break
        chunk_id, texts = task
        try:
            results.put((chunk_id, linking.link_texts(texts, batch_size, names), None))
        except BaseException:  # noqa: BLE001
            results.put((chunk_id, None, traceback.format_exc()))
        if not frozen:
            _freeze_tables()
            frozen = True


def _freeze_tables() -> None:
    """After a worker's first chunk: what it has loaded by then (the model, the KB's
    caches, the linker's name tables, read on first need) lives as long as the
    worker. Moved out of the cyclic collector's generations (garbage collected
    first), they are no longer traversed by every full collection that parsing and
    linking trigger: ~10 % of the linker's CPU (bench/README.md, issue 22)."""
    gc.collect()
    gc.freeze()


def _start_method() -> str:
    """spawn: every worker starts as a fresh interpreter.

    fork copied the job's open files into each worker, among them the lock file
    tantivy's threads hold while they read or commit ``meta.json``. tantivy locks
    with flock, which the copies share: when the fork fell while a lock was held,
    the job's next commit waited for a lock only the idle workers held, and they
    waited for the job -- an intermittent hang of ``newslink index --workers``
    (seen twice in the test suite: ``EmbeddedEngine.commit`` parked, the engine's
    ``segment_updater`` thread in ``locks_lock_inode_wait``). A spawned worker
    inherits no such file; the price is one interpreter start per worker, and a
    script that starts a pool needs the usual ``if __name__ == "__main__":`` guard.
    """
    return "spawn"


WORKER_START_ENV = "NEWSLINK_WORKER_START"  # spawn | forkserver: how linking workers start (for measuring)
PRELOAD_ENV = "NEWSLINK_PRELOAD_KB"  # the KB whose pipeline a fork server preloads (indexer/preload.py)


def _pool_context(kb: KnowledgeBase) -> Any:
    """How the linking workers start: spawned (the default), or with
    ``NEWSLINK_WORKER_START=forkserver`` forked from a fork server that loaded spaCy
    and the gazetteer once (``indexer.preload``).

    A fork server is a fresh interpreter like a spawned worker (none of the job's
    files, so no tantivy lock), and the workers it forks share the model's pages with
    it instead of each loading a copy. Measured (bench/worker_memory.py, bench/README),
    that saves nothing of a worker's ~656 MiB PSS on the whole newsarticles2017 (a
    worker's memory is what it parses and links, not the model, and the gazetteer
    is a shared memory map already), while the server itself holds ~260 MiB: the
    whole job is larger with 2 workers (tree PSS 1,299 -> 1,444 MiB), so it is not
    the default.
    """
    method = os.environ.get(WORKER_START_ENV) or _start_method()
    ctx = mp.get_context(method)
    if method == "forkserver":
        os.environ[PRELOAD_ENV] = str(Path(kb.path).resolve())  # read by the server when it starts
        ctx.set_forkserver_preload(["newslink.indexer.preload"])
    return ctx


class EntityPipeline:
    """spaCy + gazetteer + linker, built once per job from one KB.

    With ``n_process > 1`` the articles go to a pool of worker processes, each
    with its own spaCy pipeline, gazetteer, KB connection and linker; the
    parent sends texts and gets back links. spaCy's own ``n_process`` would
    send every parsed Doc back to the parent and leave the gazetteer-driven
    mention extraction and the linking to it: one core for what should use all.
    """

    # The smallest chunk a worker is sent when a small job is spread over the pool.
    MIN_CHUNK = 8

    def __init__(self, kb: KnowledgeBase, *, n_process: int = 1, batch_size: int = 64, threshold: float | None = None, fit_workers: bool = False) -> None:
        """``fit_workers``: ``n_process`` is a maximum; a job too small to give each
        worker a few chunks runs in fewer processes (or in this one), with chunks cut
        to spread what it has (see :meth:`process`)."""
        self.kb = kb
        self.linker = Linker(kb) if threshold is None else Linker(kb, threshold)
        self.n_process = max(1, n_process)
        self.batch_size = max(1, batch_size)
        self.fit_workers = fit_workers
        self.workers_used = 0  # processes the last process() call parsed in (0: it parsed nothing)
        self._local: _Linking | None = None

    @property
    def _linking(self) -> _Linking:
        if self._local is None:  # only loaded where it is used: not in a pool's parent
            self._local = _Linking(self.kb, self.linker)
        return self._local

    @property
    def nlp(self) -> Language:
        return self._linking.nlp

    def link_text(self, text: str) -> list[Link]:
        return self._linking.links(self.nlp(text), text)

    def explain_text(self, text: str) -> list[Explanation]:
        """``link_text`` with each mention's candidates and feature values (``eval --explain``)."""
        linking = self._linking
        return self.linker.explain(linking._extract(linking.nlp(text), self.kb, text), text)

    def process(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Link]]]:
        """(article, links) for every article, in input order, streaming.

        Nothing is loaded and no worker started before the first article arrives: a
        rerun whose articles are all unchanged never pays for spaCy."""
        for article, (links, _names) in self._stream(articles, names=False):
            yield article, links

    def process_named(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Link], list[UnlinkedName]]]:
        """:meth:`process` with each article's unlinked names (``UnlinkedNames.find``),
        found where it was parsed: in a worker, not in this process (the parent of a
        pool only reads and writes, which keeps it from being the bottleneck)."""
        for article, (links, names) in self._stream(articles, names=True):
            yield article, links, names

    def _stream(self, articles: Iterable[Article], names: bool) -> Iterator[tuple[Article, Linked]]:
        articles = iter(articles)
        first = next(articles, None)
        if first is None:
            return
        workers, chunk = self.n_process, self.batch_size
        if getattr(self.linker, "online", None) is not None:
            workers = 1  # the online cache is one SQLite writer: this process only
        head = [first]
        if self.fit_workers and workers > 1:
            # Read up to what keeps every worker busy for a few chunks; a job that
            # ends first is spread over the workers it is worth, in smaller chunks.
            enough = workers * MIN_CHUNKS_PER_WORKER * chunk
            head.extend(itertools.islice(articles, enough - 1))
            if len(head) < enough:
                chunk = max(self.MIN_CHUNK, min(chunk, -(-len(head) // (workers * MIN_CHUNKS_PER_WORKER))))
                workers = workers_for(len(head), chunk, workers)
        articles = itertools.chain(head, articles)
        self.workers_used = workers
        if workers > 1:
            yield from self._process_pool(articles, workers, chunk, names)
            return
        linking = self._linking
        for pairs in capped_batches(((a.body_for_nlp, a) for a in articles), chunk, _text_length):
            # the batch a worker would be sent, linked as a worker links it (_worker)
            yield from zip((a for _text, a in pairs), linking.link_texts([text for text, _a in pairs], len(pairs), names))

    def _process_pool(self, articles: Iterable[Article], n_process: int, chunk_size: int, names: bool) -> Iterator[tuple[Article, Linked]]:
        ctx = _pool_context(self.kb)
        tasks = ctx.Queue()
        results = ctx.Queue()
        workers = [
            ctx.Process(
                target=_worker,
                args=(os.getpid(), str(self.kb.path), self.kb.version, self.linker.threshold, chunk_size, names, tasks, results),
                name=f"newslink-linker-{i}",
                daemon=True,
            )
            for i in range(n_process)
        ]
        for w in workers:
            w.start()
        # Bounded, so memory stays flat on any corpus: chunks sent and not yet back
        # (enough to keep every worker fed), and chunks held for the output order.
        # The two are separate so that one slow chunk (long articles) does not stop
        # the other workers: they get new chunks while its successors wait here.
        max_in_flight = 2 * n_process + 2
        max_held = 4 * max_in_flight
        pending: dict[int, list[Article]] = {}  # sent, not yet yielded
        done: dict[int, list[Linked]] = {}
        next_out = 0
        sent = 0
        finished = False

        def receive() -> None:
            while True:
                try:
                    chunk_id, linked, error = results.get(timeout=1.0)
                except queue.Empty:
                    dead = [w for w in workers if not w.is_alive()]
                    if dead:
                        raise RuntimeError(f"linking worker {dead[0].name} died (exit code {dead[0].exitcode})") from None
                    continue
                if error is not None:
                    raise RuntimeError(f"linking worker failed:\n{error}")
                done[chunk_id] = linked
                return

        def ready() -> Iterator[tuple[Article, Linked]]:
            nonlocal next_out
            while next_out in done:
                chunk = pending.pop(next_out)
                yield from zip(chunk, done.pop(next_out))
                next_out += 1

        try:
            # Cut by size too (batching.py): a chunk is one spaCy batch in its worker.
            for pairs in capped_batches(((a.body_for_nlp, a) for a in articles), chunk_size, _text_length):
                pending[sent] = [a for _text, a in pairs]
                tasks.put((sent, [text for text, _a in pairs]))
                sent += 1
                while len(pending) - len(done) >= max_in_flight or len(pending) >= max_held:
                    receive()
                    yield from ready()
            while pending:
                receive()
                yield from ready()
            finished = True
        finally:
            for _ in workers:
                tasks.put(None)
            for w in workers:
                w.join(timeout=10 if finished else 0.5)
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=5)
            for q in (tasks, results):
                q.cancel_join_thread()
                q.close()


def _text_length(pair: tuple[str, Article]) -> int:
    return len(pair[0])


def _record_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The source record of a document, as a reader would read it back."""
    article = article_from_document(doc)
    fields = {k: v for k, v in article.to_dict().items() if k != "meta" and v is not None}
    return {**article.meta, **fields}


def run_index(
    items: Iterable[ReadItem],
    pipeline: EntityPipeline,
    sink: DocumentSink,
    *,
    on_problem: Callable[[Problem], None] = lambda p: None,
    on_progress: Callable[[int], None] = lambda n: None,
    write_batch: int = 256,
    commit_every: int = 2000,
    summary: IndexSummary | None = None,
    force: bool = False,
    lookup_batch: int = 256,
) -> IndexSummary:
    """Index everything ``items`` yields; bad records are reported and passed over.

    Articles are looked up in the sink ``lookup_batch`` at a time (when it has
    ``stored_versions``, as the engines do): one it holds under the same id with
    the same content hash and KB version is counted ``unchanged`` and never
    parsed; ``force`` parses and writes it all the same.

    Pass ``summary`` to keep the counts when the job fails half-way (a full disk,
    a server gone): ``summary.committed`` is then what the index keeps.
    """
    summary = summary if summary is not None else IndexSummary()
    started, cpu_started, workers_started = time.time(), time.process_time(), _children_cpu()

    def report(problem: Problem) -> None:
        if problem.fatal:
            summary.skipped += 1
        else:
            summary.warnings += 1
        summary.problems.append(problem)
        on_problem(problem)

    stored_versions: Callable[[list[str]], dict[str, tuple[str | None, str | None]]] | None = getattr(sink, "stored_versions", None)
    # "new" | "changed" | "unchanged" (forced) of each article sent to the pipeline,
    # in order (the pipeline keeps it), counted once its document is written
    kinds: deque[str] = deque()
    kb_version = pipeline.kb.version

    def to_do(read: list[Article]) -> Iterator[Article]:
        """The articles of ``read`` that need parsing, each classified new/changed."""
        stored = stored_versions([a.id for a in read]) if stored_versions is not None else {}
        for article in read:
            held = stored.get(article.id)
            if held is None:
                kinds.append("new")
            elif held == (content_hash(article), kb_version):
                if not force:
                    summary.unchanged += 1
                    on_progress(1)
                    continue
                kinds.append("unchanged")
            else:
                kinds.append("changed")
            yield article

    def articles() -> Iterator[Article]:
        read: list[Article] = []
        for article, problems in items:
            for problem in problems:
                report(problem)
            if article is not None:
                read.append(article)
                if len(read) >= lookup_batch:
                    yield from to_do(read)
                    read = []
            else:
                on_progress(1)  # a skipped record still counts as progress
        yield from to_do(read)

    batch: list[dict[str, Any]] = []
    batch_kinds: list[str] = []
    located: dict[str, Article] = {}  # the articles of ``batch``, for where an engine rejection came from
    since_commit = 0

    def flush() -> None:
        nonlocal since_commit
        if not batch:
            return
        failed = sink.write(batch)
        failed_ids = {doc_id for doc_id, _ in failed}
        by_id = {doc["id"]: doc for doc in batch} if failed else {}
        for doc_id, reason in failed:
            # the article travels with the problem, so a dead letter can re-feed it
            record = _record_of(by_id[doc_id]) if doc_id in by_id else None
            source = located.get(doc_id)
            path, line = source.where if source is not None and source.where else ("engine", None)
            origin = source.origin if source is not None else None
            report(Problem(path, line, f"the engine rejected document {doc_id}: {reason}", record=record, origin=origin))
        for doc, was in zip(batch, batch_kinds):
            if doc["id"] in failed_ids:
                continue
            summary.indexed += 1
            if was == "changed":
                summary.changed += 1
            elif was == "unchanged":
                summary.unchanged += 1
            else:
                summary.new += 1
            summary.entities_linked += sum(1 for e in doc["entity_list"] if not e.get("unlinked"))
            summary.mentions += len(doc["mentions"])
            summary.nil_mentions += sum(1 for m in doc["mentions"] if not m["qid"])
        since_commit += len(batch)
        on_progress(len(batch))
        batch.clear()
        batch_kinds.clear()
        located.clear()

    for article, links, unlinked in pipeline.process_named(articles()):
        batch.append(build_document(article, links, kb_version, pipeline.kb, unlinked=unlinked))
        batch_kinds.append(kinds.popleft())
        located[article.id] = article
        if len(batch) >= write_batch:
            flush()
            if since_commit >= commit_every:
                sink.commit()
                summary.committed = summary.indexed
                since_commit = 0
    flush()
    sink.commit()
    summary.committed = summary.indexed
    summary.seconds = time.time() - started
    summary.cpu_seconds = time.process_time() - cpu_started
    summary.worker_cpu_seconds = _children_cpu() - workers_started
    return summary


def _children_cpu() -> float:
    """CPU seconds of this process's exited (and reaped) child processes."""
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
