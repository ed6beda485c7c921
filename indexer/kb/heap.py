"""Handing the C heap's free pages back to the system between the steps of a KB build.

A Wikidata import streams the dump, then merges the staged records into the KB, then
derives its tables step by step. Each step frees what it allocated, but glibc keeps
freed memory inside the heap for reuse: after a large block is freed it raises its own
thresholds (up to 32 MiB), and free pages between live blocks are not returned until
asked. The next step's allocations then land on fresh pages and the process's
resident memory rose by ~1 MiB per step, to 2 MiB (5.6 %) above the streaming phase
at 10 M items while what was in use stayed flat (bench/kb_scale.py, "memory flat":
glibc's own counters, ``mallinfo2``, showed the heap's in-use bytes falling while its
free bytes grew). ``malloc_trim(0)`` between the steps gives those free pages back.
Elsewhere (macOS, musl) this does nothing.
"""
from __future__ import annotations

import ctypes
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process already runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> None:
    """Return the heap's free pages to the system (a few ms; the next step starts from
    the memory actually in use)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
