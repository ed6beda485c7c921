"""Opening the KB the way commands want it: built on first use, rebuilt when the
shipped data changed and the KB holds nothing but shipped data (the starter KB,
and the compiled open data when it was built with it)."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..paths import kb_path
from .build import KB_SOURCES, build_starter_kb, starter_hash
from .store import KBError, KnowledgeBase


def open_kb(path: Path | None = None, *, auto_build: bool = True) -> KnowledgeBase:
    """The KB at ``path`` (default: ``$NEWSLINK_KB``, else ``<home>/kb.sqlite``).

    Only the default location is built on first use (a fresh install works
    offline). A KB named explicitly (``path`` or ``$NEWSLINK_KB``) that is
    missing is an error with the fix: building the starter KB there would
    silently stand in for the KB the user meant (a big Wikidata one). A KB that
    is damaged is never rebuilt behind the user's back either.
    """
    explicit = path is not None or bool(os.environ.get("NEWSLINK_KB"))
    try:
        path = Path(path) if path else kb_path()
    except OSError as exc:  # the data directory cannot be created
        raise KBError(f"cannot use the data directory ({exc}): set NEWSLINK_HOME or NEWSLINK_KB to a writable place and run `newslink kb build`") from exc
    if not path.exists():
        if not auto_build or explicit:
            raise KBError(f"no knowledge base at {path}: run `newslink kb build`")
        _build(path)
    kb = KnowledgeBase(path)
    shipped = kb.sources
    if auto_build and "starter" in shipped and set(shipped) <= set(KB_SOURCES) and kb.meta.get("starter_hash") != starter_hash(shipped):
        kb.close()
        _build(path, shipped)
        kb = KnowledgeBase(path)
    return kb


def _build(path: Path, sources: list[str] | None = None) -> None:
    try:
        build_starter_kb(path, sources)
    except ValueError as exc:  # a bad NEWSLINK_KB_SOURCES
        raise KBError(f"cannot build the knowledge base at {path}: {exc}") from exc
    except (OSError, sqlite3.Error) as exc:
        raise KBError(f"cannot build the starter knowledge base at {path} ({exc}): set NEWSLINK_HOME or NEWSLINK_KB to a writable place and run `newslink kb build`") from exc
