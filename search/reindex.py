"""The zero-downtime rebuild: new generation, fill from the live one, swap, drop.

Searches keep hitting the live generation during the whole job; if the job dies
half-way, the live generation is untouched and the unfinished one is discarded.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from newslink.indexer.document import article_from_document, build_document
from newslink.indexer.kb import KnowledgeBase
from newslink.indexer.processes import available_cpus, workers_for
from newslink.indexer.relink import relink_documents

from .engines import Engine, EngineError
from .progress import Progress


def _reparsed(docs: Iterator[dict[str, Any]], kb: KnowledgeBase, workers: int, fit: bool) -> Iterator[tuple[bool, dict[str, Any]]]:
    """Every stored article through spaCy and the linker again (finds names the KB gained)."""
    from newslink.indexer.pipeline import EntityPipeline

    pipeline = EntityPipeline(kb, n_process=workers, fit_workers=fit)
    olds: dict[str, Any] = {}

    def articles():
        for doc in docs:
            olds[doc["id"]] = doc.get("entities")
            yield article_from_document(doc)

    for article, links, unlinked in pipeline.process_named(articles()):
        new = build_document(article, links, kb.version, kb, unlinked=unlinked)
        yield olds.pop(article.id, None) != new.get("entities"), new


# Re-linking a document costs far less than parsing one, so a re-linking worker
# must get more chunks than a parsing one to pay for its start.
RELINK_CHUNK = 64
RELINK_CHUNKS_PER_WORKER = 4


def default_workers(total: int) -> int:
    """Up to two processes, as many as ``total`` documents give a few chunks each."""
    return workers_for(total, RELINK_CHUNK, min(2, available_cpus()), RELINK_CHUNKS_PER_WORKER)


def run_reindex(
    engine: Engine,
    kb: KnowledgeBase,
    *,
    reparse: bool = False,
    progress: bool = False,
    batch: int = 500,
    workers: int | None = None,
) -> dict[str, Any]:
    """Rebuild the live index into a new generation, then promote it.

    The default re-links every document from its stored mentions (no spaCy);
    ``reparse`` runs the whole pipeline again. ``workers`` processes share the
    work (default: up to 2, as many as the index gives a few chunks each).
    """
    started = time.time()
    total = engine.count()
    if reparse:  # the pipeline fits its workers to the job (up to 2) unless told how many
        n = workers if workers is not None else min(2, available_cpus())
        stream = _reparsed(engine.iter_documents(), kb, n, fit=workers is None)
    else:
        n = workers if workers is not None else default_workers(total)
        stream = relink_documents(engine.iter_documents(), kb, workers=n, chunk=RELINK_CHUNK)
    target = engine.create_generation()
    indexed = changed = 0
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal indexed, pending
        failed = target.write(pending)
        if failed:
            ids = ", ".join(i for i, _ in failed[:5])
            raise EngineError(f"{len(failed)} documents rejected during reindex (e.g. {ids}); the live index is unchanged")
        indexed += len(pending)
        bar.update(len(pending))
        pending = []

    try:
        with Progress(total=total, enabled=progress, unit="articles") as bar:
            for was_changed, new in stream:
                changed += was_changed
                pending.append(new)
                if len(pending) >= batch:
                    flush()
            if pending:
                flush()
        target.commit()
    except BaseException as exc:
        stream.close()
        engine.discard(target)
        if isinstance(exc, (EngineError, OSError)):  # a full disk, a server gone: say how far it got
            reason = str(exc) if isinstance(exc, EngineError) else f"cannot write {exc.filename or 'a file'}: {exc.strerror or exc}"
            raise EngineError(f"{reason}; reindex stopped after {indexed:,} of {total:,} documents, the live index is unchanged (rerun when fixed)") from exc
        raise
    generation = getattr(target, "generation", "")
    engine.promote(target)
    return {
        "indexed": indexed,
        "changed": changed,
        "seconds": round(time.time() - started, 2),
        "generation": generation,
        "reparse": reparse,
        "workers": n,
    }
