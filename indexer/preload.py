"""What the fork server of a linking pool loads before it forks the workers.

``newslink index`` with workers starts them from a fork server (see
``pipeline._pool_context``): a fresh interpreter, started by the job, that imports
this module once and then forks every worker from itself. Importing it loads spaCy
and the gazetteer for the KB named in ``NEWSLINK_PRELOAD_KB`` into the pipeline
cache, so each forked worker finds them there and shares their pages with the fork
server (copy-on-write) instead of loading its own copy.

The fork server is not a fork of the job: it inherits none of the job's open files
(the tantivy lock that made forking the job itself hang), and its KB connection is
closed before any fork (a SQLite connection must never cross one).
"""
from __future__ import annotations

import gc
import os
from pathlib import Path

from .kb import KnowledgeBase
from .pipeline import PRELOAD_ENV, _nlp_for


def _preload() -> None:
    path = os.environ.get(PRELOAD_ENV)
    if not path:
        return

    try:
        kb = KnowledgeBase(Path(path))
    except Exception:  # noqa: BLE001 - a worker that finds nothing preloaded loads its own, and reports what is wrong
        return
    try:
        _nlp_for(kb)
    except Exception:  # noqa: BLE001 - as above: never let the fork server die on it
        pass
    finally:
        kb.close()
    # Everything loaded so far lives as long as the server and its workers: moved out of
    # the collector's generations, a worker's collections never write to those objects'
    # headers, so their pages stay shared with the server instead of being copied.
    gc.freeze()


_preload()
