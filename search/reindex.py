"""The zero-downtime rebuild: new generation, fill from the live one, swap, drop.

Searches keep hitting the live generation during the whole job; if the job dies
half-way, the live generation is untouched and the unfinished one is discarded.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from newslink.indexer.document import article_from_document, build_document
from newslink.indexer.kb import KnowledgeBase
from newslink.indexer.linker import Linker
from newslink.indexer.relink import relink_document

from .engines import Engine, EngineError
from .progress import Progress


def _relinker(kb: KnowledgeBase, reparse: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    if reparse:
        from newslink.indexer.pipeline import EntityPipeline

        pipeline = EntityPipeline(kb)

        def reparsed(doc: dict[str, Any]) -> dict[str, Any]:
            article = article_from_document(doc)
            return build_document(article, pipeline.link_text(article.body_for_nlp), kb.version)

        return reparsed
    linker = Linker(kb)
    return lambda doc: relink_document(doc, linker, kb.version)


def run_reindex(engine: Engine, kb: KnowledgeBase, *, reparse: bool = False, progress: bool = False, batch: int = 500) -> dict[str, Any]:
    started = time.time()
    relink = _relinker(kb, reparse)
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
        with Progress(total=engine.count(), enabled=progress, unit="articles") as bar:
            for old in engine.iter_documents():
                new = relink(old)
                changed += old.get("entities") != new.get("entities")
                pending.append(new)
                if len(pending) >= batch:
                    flush()
            if pending:
                flush()
        target.commit()
    except BaseException:
        engine.discard(target)
        raise
    generation = getattr(target, "generation", "")
    engine.promote(target)
    return {"indexed": indexed, "changed": changed, "seconds": round(time.time() - started, 2), "generation": generation, "reparse": reparse}
