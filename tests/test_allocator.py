"""A linking worker's allocator keeps the memory of freed large blocks (indexer/allocator.py).

Each check runs in a fresh interpreter: mallopt settings last for the process, and the
test session must keep glibc's defaults. glibc's own statistics (``mallinfo2``) say
where a 64 MiB block came from: a separate mmap (``hblkhd``) that ``free`` unmaps, or
the heap (``arena``), where it stays as free memory (``fordblks``) for the next batch.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt/mallinfo2 are glibc's")

SCRIPT = """
import ctypes, json, sys
from newslink.indexer.allocator import keep_freed_memory, tune_worker_allocator

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
try:
    libc.mallinfo2.restype = MallInfo2
except AttributeError:
    print(json.dumps(None)); sys.exit()
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
tuned = {"tuned": keep_freed_memory, "worker": tune_worker_allocator}.get(sys.argv[1], lambda: None)()
size = 64 << 20
block = libc.malloc(size)
ctypes.memset(block, 1, size)  # touched, as an array would be
held = libc.mallinfo2()
libc.free(block)
freed = libc.mallinfo2()
print(json.dumps({"tuned": list(tuned) if isinstance(tuned, tuple) else tuned, "mmapped_while_held": held.hblkhd, "heap_free_after": freed.fordblks, "size": size}))
"""


def _run(mode: str, _env: dict[str, str] | None = None, **env: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60, env={**(os.environ if _env is None else _env), **env})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    if result is None:
        pytest.skip("this glibc has no mallinfo2 (before 2.33)")
    return result


def test_default_allocator_maps_and_unmaps_a_large_block() -> None:
    """What the tuning is for: by default a 64 MiB block is its own mmap, gone on free."""
    result = _run("default")
    assert result["mmapped_while_held"] >= result["size"]
    assert result["heap_free_after"] < result["size"]


def test_tuned_allocator_keeps_a_freed_large_block_in_the_heap() -> None:
    result = _run("tuned")
    assert result["tuned"] is True
    assert result["mmapped_while_held"] < result["size"]  # (other blocks mapped before the tuning may remain)
    assert result["heap_free_after"] >= result["size"]  # there for the next batch's arrays


def test_a_worker_keeps_glibcs_defaults_unless_asked() -> None:
    """By default a linking worker holds no more memory than glibc would (the 1.5 GB
    mark of indexing 100,000 documents); NEWSLINK_WORKER_MALLOC=keep trades memory for CPU."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSLINK_WORKER_MALLOC"}
    default = _run("worker", _env=env)
    assert "keep" not in default["tuned"]
    assert default["mmapped_while_held"] >= default["size"]
    kept = _run("worker", NEWSLINK_WORKER_MALLOC="keep")
    assert "keep" in kept["tuned"]
    assert kept["heap_free_after"] >= kept["size"]


TRIM_SCRIPT = """
import ctypes, json
from newslink.indexer.allocator import release_free_memory

def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
size = 64 << 10  # below glibc's mmap threshold: these live in the heap
blocks = [libc.malloc(size) for _ in range(2000)]  # 125 MiB
for b in blocks:
    ctypes.memset(b, 1, size)
for b in blocks[:-1]:  # the last one pins the heap's top: free() alone cannot shrink it
    libc.free(b)
before = rss_kib()
release_free_memory()
print(json.dumps({"before": before, "after": rss_kib()}))
"""


def test_a_kb_build_step_hands_the_heaps_free_pages_back() -> None:
    """What a KB build calls between its steps: freed heap pages pinned below a live
    block stay resident until ``malloc_trim`` gives them back."""
    done = subprocess.run([sys.executable, "-c", TRIM_SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rss = json.loads(done.stdout)
    assert rss["before"] - rss["after"] > 64 * 1024, rss  # most of the 125 MiB freed went back
