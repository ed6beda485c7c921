"""glibc's allocator, steered two opposite ways for two kinds of job.

**Keep freed memory** (:func:`keep_freed_memory`, the linking workers): keep the big
arrays' memory instead of handing it back to the kernel after every batch.

spaCy's NER allocates its per-batch arrays (token vectors, the CNN's hidden layers:
megabytes to tens of megabytes for a batch of long articles) through numpy and frees
them when the batch is done. By default glibc serves every block over its dynamic
``mmap`` threshold (at most 32 MiB) with a fresh ``mmap`` and returns it with
``munmap``, and trims the heap's free top once it exceeds twice that threshold: the
next batch faults the same amount of memory in again, page by page (or huge page by
huge page where numpy asks for them), each page zeroed by the kernel. That is kernel
time in every batch: a worker parsing newsarticles2017 spent ~20 % of its CPU in the
kernel (1.8-3.3 of 9-10.5 CPU s over 200 articles), ~8 ms per article, more than
everything newslink adds after parsing (bench/README.md, issue 22).

With blocks up to 1 GiB taken from the heap and up to 1 GiB of free heap kept, the
arrays of one batch reuse the memory of the last: 0.9-1.0 CPU s of kernel time on the
same 200 articles, ~17-22 % less CPU per article. The price is memory: each worker then
holds its high-water mark to the end and both hold theirs at once. Indexing 100,000
documents with 2 workers (bench/memory.py) peaked at 1.75 GiB of tree RSS against
1.38 without it, over the 1.5 GB the project promises (issue 7). So it is opt-in,
``NEWSLINK_WORKER_MALLOC=keep``, for a machine with memory to spare; by default the
workers keep glibc's settings. Only the linking workers ever do it: a long-lived
process (the API) always gives memory back.

Most of that kernel time was huge pages, not the unmapping itself: numpy advises
them for large arrays, and each fault of one costs a 2 MiB zeroing (and compaction).
So by default a worker only turns that advice off (:mod:`hugepages`): less kernel time
than ``keep`` gave, with no memory held. ``NEWSLINK_WORKER_MALLOC=system`` leaves
numpy's advice on too (the workers as before, for measuring).

**Give freed memory back** (:func:`release_free_memory`, between the steps of a KB
build): a Wikidata import streams the dump, then merges the staged records into the KB,
then derives its tables step by step. Each step frees what it allocated, but glibc keeps
freed memory inside the heap for reuse: after a large block is freed it raises its own
thresholds (up to 32 MiB), and free pages between live blocks are not returned until
asked. The next step's allocations then land on fresh pages and the process's resident
memory rose by ~1 MiB per step, to 2 MiB (5.6 %) above the streaming phase at 10 M
items while what was in use stayed flat (bench/kb_scale.py, "memory flat": glibc's own
counters, ``mallinfo2``, showed the heap's in-use bytes falling while its free bytes
grew). ``malloc_trim(0)`` between the steps gives those free pages back.

glibc only (``mallopt``, ``malloc_trim``); elsewhere both do nothing.
"""
from __future__ import annotations

import ctypes
import os
import platform
from functools import lru_cache
from typing import Any

from .hugepages import small_pages_for_arrays

# unset (the default): numpy's arrays in small pages (hugepages.py), glibc's own settings;
# "keep": also keep freed memory for the next batch (less CPU still, more memory at the
# peak; bench/README.md has both figures); "system": numpy's and glibc's own settings
ALLOCATOR_ENV = "NEWSLINK_WORKER_MALLOC"
KEEP, SYSTEM = "keep", "system"
SMALL_PAGES = "small pages"  # what tune_worker_allocator reports having done

# mallopt(3) parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

# Far above one batch's arrays (64 articles), so none of them is mmapped; setting any
# of these also turns off glibc's dynamic threshold.
MMAP_THRESHOLD = 1 << 30
TRIM_THRESHOLD = 1 << 30  # (mallopt takes an int: 2 GiB does not fit)
TOP_PAD = 256 << 20  # the heap grows in steps this large: fewer brk calls while it does


def tune_worker_allocator() -> tuple[str, ...]:
    """What a linking worker calls before its model loads; what it did.

    By default numpy's large arrays in small pages (:func:`hugepages.small_pages_for_arrays`,
    ``SMALL_PAGES``); with ``NEWSLINK_WORKER_MALLOC=keep`` also :func:`keep_freed_memory`
    (``KEEP``); with ``=system`` nothing."""
    setting = os.environ.get(ALLOCATOR_ENV)
    if setting == SYSTEM:
        return ()
    done = (SMALL_PAGES,) if small_pages_for_arrays() else ()
    if setting == KEEP and keep_freed_memory():
        done += (KEEP,)
    return done


def keep_freed_memory() -> bool:
    """Tune this process's allocator for repeated large allocations (see the module
    docstring); True if it was done (glibc), False where there is no ``mallopt``."""
    mallopt = _glibc("mallopt", ctypes.c_int, ctypes.c_int)
    if mallopt is None:
        return False
    done = [mallopt(param, value) for param, value in ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD))]
    return all(done)


def release_free_memory() -> None:
    """Return the heap's free pages to the system (a few ms; the next step of a KB build
    starts from the memory actually in use)."""
    trim = _glibc("malloc_trim", ctypes.c_size_t)
    if trim is not None:
        trim(0)


@lru_cache(maxsize=None)
def _glibc(name: str, *argtypes: Any) -> Any:
    """A function of glibc (the C library this process already runs on) taking
    ``argtypes`` and returning an int; None elsewhere."""
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = list(argtypes)
    function.restype = ctypes.c_int
    return function
