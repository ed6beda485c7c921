"""Engine selection: ``--engine`` / ``NEWSLINK_ENGINE`` (embedded by default)."""
from __future__ import annotations

import os
from pathlib import Path

from newslink.indexer.paths import newslink_home

from .base import Engine, EngineError, check_index_name

ENGINES = ("embedded", "elasticsearch")


def engine_name(name: str | None = None) -> str:
    chosen = (name or os.environ.get("NEWSLINK_ENGINE") or "embedded").lower()
    if chosen in ("es", "opensearch"):
        chosen = "elasticsearch"
    if chosen not in ENGINES:
        raise EngineError(f"unknown engine {chosen!r} (use {' or '.join(ENGINES)})")
    return chosen


def engine_target(name: str | None = None, *, index: str | None = None, url: str | None = None) -> dict[str, str | None]:
    """The engine, index and (Elasticsearch) URL the arguments and environment select,
    known without opening anything (``status`` shows them even when the engine is down)."""
    chosen = engine_name(name)
    return {
        "engine": chosen,
        "index": index or os.environ.get("NEWSLINK_INDEX") or "articles",
        "url": (url or os.environ.get("NEWSLINK_ES_URL") or "http://localhost:9200") if chosen == "elasticsearch" else None,
    }


def open_engine(name: str | None = None, *, home: Path | None = None, index: str | None = None, url: str | None = None) -> Engine:
    target = engine_target(name, index=index, url=url)
    if target["engine"] == "embedded":
        from .embedded import EmbeddedEngine

        return EmbeddedEngine(home or newslink_home(), target["index"])
    from .elasticsearch import ElasticsearchEngine  # noqa: PLC0415 - optional heavy import

    return ElasticsearchEngine(target["url"], target["index"])


__all__ = ["Engine", "EngineError", "ENGINES", "check_index_name", "engine_name", "engine_target", "open_engine"]
