"""The indexing job: sources -> articles -> spaCy -> mentions -> links -> documents -> sink.

The sink is anything with ``write(docs) -> list[(id, reason)]`` (the ids it failed
to store) and ``commit()``; the search side's engines implement it. Keeping the
protocol here means the indexer never imports the search package.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from spacy.language import Language

from .article import Article
from .document import build_document
from .kb import KnowledgeBase
from .linker import Link, Linker
from .mentions import extract_mentions
from .nlp import load_pipeline, pattern_surfaces
from .readers import ReadItem
from .records import Problem


class DocumentSink(Protocol):
    def write(self, docs: list[dict[str, Any]]) -> list[tuple[str, str]]: ...
    def commit(self) -> None: ...


@dataclass
class IndexSummary:
    indexed: int = 0
    skipped: int = 0  # records lost to errors (bad input or rejected by the engine)
    warnings: int = 0
    entities_linked: int = 0  # distinct (article, QID) pairs
    mentions: int = 0
    nil_mentions: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        rate = self.indexed / self.seconds if self.seconds else 0.0
        return {
            "indexed": self.indexed,
            "skipped": self.skipped,
            "errors": sum(1 for p in self.problems if p.fatal),
            "warnings": self.warnings,
            "entities_linked": self.entities_linked,
            "entities_per_article": round(self.entities_linked / self.indexed, 2) if self.indexed else 0.0,
            "mentions": self.mentions,
            "nil_mentions": self.nil_mentions,
            "seconds": round(self.seconds, 2),
            "articles_per_second": round(rate, 1),
        }


class EntityPipeline:
    """spaCy + gazetteer + linker, built once per job from one KB."""

    def __init__(self, kb: KnowledgeBase, *, n_process: int = 1, batch_size: int = 64, threshold: float | None = None) -> None:
        self.kb = kb
        self.nlp: Language = load_pipeline(pattern_surfaces(kb.iter_aliases()))
        self.linker = Linker(kb) if threshold is None else Linker(kb, threshold)
        self.n_process = n_process
        self.batch_size = batch_size

    def link_text(self, text: str) -> list[Link]:
        doc = self.nlp(text)
        return self.linker.link(extract_mentions(doc, self.kb), text)

    def process(self, articles: Iterable[Article]) -> Iterator[tuple[Article, list[Link]]]:
        pairs = ((a.body_for_nlp, a) for a in articles)
        for doc, article in self.nlp.pipe(pairs, as_tuples=True, batch_size=self.batch_size, n_process=self.n_process):
            yield article, self.linker.link(extract_mentions(doc, self.kb), doc.text)


def run_index(
    items: Iterable[ReadItem],
    pipeline: EntityPipeline,
    sink: DocumentSink,
    *,
    on_problem: Callable[[Problem], None] = lambda p: None,
    on_progress: Callable[[int], None] = lambda n: None,
    write_batch: int = 256,
    commit_every: int = 2000,
) -> IndexSummary:
    """Index everything ``items`` yields; bad records are reported and passed over."""
    summary = IndexSummary()
    started = time.time()

    def report(problem: Problem) -> None:
        if problem.fatal:
            summary.skipped += 1
        else:
            summary.warnings += 1
        summary.problems.append(problem)
        on_problem(problem)

    def articles() -> Iterator[Article]:
        for article, problems in items:
            for problem in problems:
                report(problem)
            if article is not None:
                yield article
            else:
                on_progress(1)  # a skipped record still counts as progress

    batch: list[dict[str, Any]] = []
    since_commit = 0
    kb_version = pipeline.kb.version

    def flush() -> None:
        nonlocal since_commit
        if not batch:
            return
        failed = sink.write(batch)
        failed_ids = {doc_id for doc_id, _ in failed}
        for doc_id, reason in failed:
            report(Problem("engine", None, f"document {doc_id} rejected: {reason}"))
        for doc in batch:
            if doc["id"] in failed_ids:
                continue
            summary.indexed += 1
            summary.entities_linked += len(doc["entity_list"])
            summary.mentions += len(doc["mentions"])
            summary.nil_mentions += sum(1 for m in doc["mentions"] if not m["qid"])
        since_commit += len(batch)
        on_progress(len(batch))
        batch.clear()

    for article, links in pipeline.process(articles()):
        batch.append(build_document(article, links, kb_version))
        if len(batch) >= write_batch:
            flush()
            if since_commit >= commit_every:
                sink.commit()
                since_commit = 0
    flush()
    sink.commit()
    summary.seconds = time.time() - started
    return summary
