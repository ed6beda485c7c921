"""numpy's huge-page advice, turned off where spaCy's batch arrays come and go.

On Linux numpy asks the kernel for transparent huge pages on every array of 4 MiB or
more (``madvise(MADV_HUGEPAGE)``). spaCy's NER allocates such arrays for every batch
(token vectors, the CNN's hidden layers: megabytes to tens of megabytes for a batch of
long articles) and frees them when the batch is done; glibc hands the memory back to
the kernel and the next batch faults it in again. With huge pages each fault makes the
kernel find (on a machine whose THP ``defrag`` setting is ``madvise``, the common one:
compact) and zero a 2 MiB page, used or not: kernel time in every batch. Parsing 200
newsarticles2017 articles in one process spent 1.6-2.4 CPU s in the kernel out of
9.3-10.2 (600 articles: 7.3-9.8 of 36.6-40.9); with the advice off, 0.7-0.75 (600: 2.9-3.1
of 32.7-33.0), the same peak RSS and the same entities (bench/README.md, issue 22). It
does what ``NEWSLINK_WORKER_MALLOC=keep`` was for (allocator.py) without its price:
nothing is held beyond what glibc holds anyway.

Only the advice changes: the same arrays, the same numbers, the same parse. A machine
whose THP setting is ``always`` or ``never`` is unaffected (the kernel there does not
wait for the advice). numpy's switch is a private function
(``numpy._core.multiarray._set_madvise_hugepage``, since 1.20; the documented
``NUMPY_MADVISE_HUGEPAGE=0`` is read only when numpy is first imported, which a worker
may already have done); where it is missing nothing is done.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable


def small_pages_for_arrays() -> bool:
    """Stop numpy advising huge pages for this process's arrays (see the module
    docstring); True if done, False where this numpy has no such switch."""
    switch = _numpy_switch()
    if switch is None:
        return False
    switch(False)
    return True


def arrays_use_huge_pages() -> bool | None:
    """Whether numpy advises huge pages for large arrays in this process (None: this
    numpy cannot say)."""
    switch = _numpy_switch()
    if switch is None:
        return None
    was = bool(switch(False))  # the switch returns what it was; put it back
    switch(was)
    return was


def _numpy_switch() -> Callable[[bool], bool] | None:
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, numpy 1
        try:
            switch = getattr(importlib.import_module(module), "_set_madvise_hugepage", None)
        except ImportError:
            continue
        if switch is not None:
            return switch
    return None
