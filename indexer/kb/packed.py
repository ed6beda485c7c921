"""Each name's candidate list deflated with a preset dictionary (``kb/ranked.py`` writes
them, ``KnowledgeBase`` reads them): raw deflate, so a list carries no header, and the
dictionary, stored once in the KB, holds the strings every list repeats."""
from __future__ import annotations

import zlib
from collections.abc import Callable

# A 16 KiB window (and so dictionary) and deflate's smallest hash memory: the compressor
# state copied per list is ~65 KiB instead of ~260 (38 -> 9 µs a list, within glibc's trim
# threshold, so no page faults per copy), for lists 0.27 instead of 0.26 of their JSON.
WBITS = 14
WINDOW = 1 << WBITS


def packer(zdict: bytes) -> Callable[[bytes], bytes]:
    """Raw deflate with ``zdict`` preset, from one primed compressor copied per list (a new
    one hashes the dictionary again)."""
    primed = zlib.compressobj(6, zlib.DEFLATED, -WBITS, 1, zlib.Z_DEFAULT_STRATEGY, zdict)

    def pack(data: bytes) -> bytes:
        deflate = primed.copy()
        return deflate.compress(data) + deflate.flush()

    return pack


def unpacker(zdict: bytes) -> Callable[[bytes], bytes]:
    """The inverse of :func:`packer` (what ``KnowledgeBase`` reads the lists with)."""

    def unpack(blob: bytes) -> bytes:
        inflate = zlib.decompressobj(-WBITS, zdict)
        return inflate.decompress(blob) + inflate.flush()

    return unpack
