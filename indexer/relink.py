"""Re-linking a stored document from its stored mentions, without spaCy.

Parsing is by far the dearest step; the mentions (span, text, NER label) it
found are kept in every document so that a KB change only costs re-linking.
With the same KB, re-linking gives back exactly the links indexing made (the
linker sees the same mentions and the same text).
"""
from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .document import article_from_document, build_document
from .kb import KnowledgeBase
from .linking import DEFAULT_THRESHOLD, Linker
from .linking.model import Mention
from .linking.unlinked import UnlinkedNames
from .processes import exit_with_parent


def stored_mentions(doc: dict[str, Any]) -> list[Mention]:
    """What spaCy and the gazetteer found; the linker's own coreference mentions
    (source "coref") are left out: linking finds them again from these."""
    out = []
    for m in doc.get("mentions") or []:
        if m.get("source") == "coref":
            continue
        start = int(m["offset"])
        out.append(Mention(start, start + len(m["text"]), m["text"], m.get("label"), m.get("source", "ner")))
    return out


def relink_document(doc: dict[str, Any], linker: Linker, kb_version: str) -> dict[str, Any]:
    """``doc`` linked again from its stored mentions with ``linker``'s KB.

    It keeps its stored ``content_hash``: the hash holds the code version that
    *extracted* the mentions (``codeversion.py``), and re-linking does not extract
    them again. After a code change, a reindex re-links at once, and the next
    ``newslink index`` still parses those articles again (their mentions may differ).
    """
    article = article_from_document(doc)
    text = article.body_for_nlp
    links = linker.link(stored_mentions(doc), text)
    new = build_document(article, links, kb_version, linker.kb, unlinked=UnlinkedNames(linker.kb, linker.threshold).find(links, text))
    new["content_hash"] = doc.get("content_hash")
    return new


# --------------------------------------------------------------------------- many documents
_worker_linker: Linker | None = None
_worker_version = ""


def _init_worker(parent_pid: int, kb_path: str, kb_version: str, threshold: float) -> None:
    global _worker_linker, _worker_version
    exit_with_parent(parent_pid)
    kb = KnowledgeBase(Path(kb_path))  # its own connection: never one shared across fork
    if kb.version != kb_version:
        raise RuntimeError(f"knowledge base {kb_path} changed during the reindex (version {kb.version}, expected {kb_version})")
    _worker_linker = Linker(kb, threshold)
    _worker_version = kb_version


def _relink_chunk(docs: list[dict[str, Any]]) -> list[tuple[bool, dict[str, Any]]]:
    assert _worker_linker is not None
    out = []
    for doc in docs:
        new = relink_document(doc, _worker_linker, _worker_version)
        out.append((doc.get("entities") != new.get("entities"), new))
    return out


def relink_documents(
    docs: Iterable[dict[str, Any]],
    kb: KnowledgeBase,
    *,
    workers: int = 1,
    threshold: float = DEFAULT_THRESHOLD,
    chunk: int = 64,
) -> Iterator[tuple[bool, dict[str, Any]]]:
    """(links changed?, re-linked document) for each stored document, in order.

    With ``workers > 1`` the linking runs in that many processes; at most a few
    chunks are in flight, so memory stays flat on an index of any size.
    """
    if workers <= 1:
        linker = Linker(kb, threshold)
        for doc in docs:
            new = relink_document(doc, linker, kb.version)
            yield doc.get("entities") != new.get("entities"), new
        return
    from .pipeline import _start_method

    ctx = mp.get_context(_start_method())
    window = 2 * workers + 2
    with ctx.Pool(workers, initializer=_init_worker, initargs=(os.getpid(), str(kb.path), kb.version, threshold)) as pool:
        in_flight: list[Any] = []
        batch: list[dict[str, Any]] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= chunk:
                in_flight.append(pool.apply_async(_relink_chunk, (batch,)))
                batch = []
                if len(in_flight) >= window:
                    yield from in_flight.pop(0).get()
        if batch:
            in_flight.append(pool.apply_async(_relink_chunk, (batch,)))
        while in_flight:
            yield from in_flight.pop(0).get()
