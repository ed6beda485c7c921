"""Opening the KB the way commands want it: built on first use, rebuilt when the
shipped starter data changed and the KB holds nothing but the starter data."""
from __future__ import annotations

import json
from pathlib import Path

from ..paths import kb_path
from .build import build_starter_kb, starter_hash
from .store import KBError, KnowledgeBase


def open_kb(path: Path | None = None, *, auto_build: bool = True) -> KnowledgeBase:
    path = Path(path) if path else kb_path()
    if not path.exists():
        if not auto_build:
            raise KBError(f"no knowledge base at {path}: run `newslink kb build`")
        build_starter_kb(path)
    kb = KnowledgeBase(path)
    if auto_build and json.loads(kb.meta.get("sources", "[]")) == ["starter"] and kb.meta.get("starter_hash") != starter_hash():
        kb.close()
        build_starter_kb(path)
        kb = KnowledgeBase(path)
    return kb
