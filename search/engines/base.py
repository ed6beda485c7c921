"""The one interface both engines implement (embedded tantivy, Elasticsearch).

An engine stores documents (see ``newslink.indexer.document``), answers a
:class:`~newslink.search.query.SearchQuery`, and keeps every index as a
*generation* behind a stable name so a rebuild never interrupts searches:
``create_generation`` -> fill it -> ``promote`` (atomic swap) -> old one dropped.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from ..facets import Clause
from ..query import SearchQuery
from ..results import Hit, RawResults


class EngineError(RuntimeError):
    """The engine is unreachable, locked or broken; the message says what to do."""


# Elasticsearch's index naming rules, narrowed: the name becomes a folder under
# NEWSLINK_HOME and part of an Elasticsearch alias, so no path separators, no
# dots (``..`` would leave the data directory), no upper case.
INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


def check_index_name(name: str) -> str:
    """``name`` if it is a valid index name, else an :class:`EngineError` saying why."""
    if not INDEX_NAME.match(name):
        raise EngineError(f"index name {name!r} must be 1-100 lowercase letters, digits, '-' or '_', starting with a letter or digit")
    return name


class Engine(ABC):
    name: str = "engine"

    # -- writing (the indexer's DocumentSink protocol) -------------------------------
    @abstractmethod
    def write(self, docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
        """Upsert documents by id; return (id, reason) for each one not stored."""

    @abstractmethod
    def commit(self) -> None:
        """Make everything written so far durable and searchable."""

    def stored_versions(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """``{id: (content_hash, kb_version)}`` of the documents among ``ids`` the index holds.

        What an index job asks before parsing a batch of articles: one already stored
        with the same content hash and KB version is skipped. Engines answer a whole
        batch in one request; this fallback reads the documents one by one.
        """
        out: dict[str, tuple[str | None, str | None]] = {}
        for doc_id in dict.fromkeys(ids):
            doc = self.get(doc_id)
            if doc is not None:
                out[doc_id] = (doc.get("content_hash"), doc.get("kb_version"))
        return out

    # -- reading ---------------------------------------------------------------
    @abstractmethod
    def search(self, query: SearchQuery) -> RawResults: ...

    @abstractmethod
    def aggregate(self, query: SearchQuery, extra: list[Clause], aggs: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """How many documents match the query's text, its facet filters and ``extra``, and
        the answer to ``aggs`` (Elasticsearch-style, logical field names) over them."""

    @abstractmethod
    def scan(self, query: SearchQuery, batch_size: int = 1000) -> Iterator[Hit]:
        """Every hit of ``query`` in id order, with no window cap and in constant memory
        (cursor paging: ``search_after`` on the id), without snippets or scores."""

    @abstractmethod
    def get(self, doc_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def count_entity(self, facet: str, qid: str) -> int: ...

    @abstractmethod
    def iter_documents(self, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every stored document (the source of truth for a reindex)."""

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """Name, generation, document count and size on disk, for `health`/`stats`."""

    # -- generations -------------------------------------------------------------
    @abstractmethod
    def create_generation(self) -> "Engine":
        """A new, empty generation to fill; searches still go to the live one."""

    @abstractmethod
    def promote(self, generation: "Engine") -> None:
        """Atomically make ``generation`` the live index and drop the old one."""

    @abstractmethod
    def discard(self, generation: "Engine") -> None:
        """Drop an unfinished generation (the live index is untouched)."""

    def close(self) -> None:  # pragma: no cover - default no-op
        pass

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
