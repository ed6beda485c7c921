"""Batches of articles cut by size as well as by count, so a worker's memory has a ceiling.

spaCy's NER allocates its arrays per batch, in proportion to the words of the whole batch
(the tok2vec's windows and maxout pieces, the parser's precomputed features: ~7 KiB per
token), and frees them when the batch is done. A worker's peak memory is therefore what it
holds between batches plus its largest batch's arrays: parsing 64 typical newsarticles2017
articles (28k words) left a process's peak RSS where it was (519 MiB), the 64 longest (140k
words) raised it to 1,056 MiB. Measured batch by batch on the first 1,200 newsarticles2017
articles (the VmHWM of each batch over the RSS before it; bench/README.md, "Memory"), a batch
of up to 200,000 characters added up to ~300 MiB, one of up to 100,000 up to ~170 MiB, with
the same CPU time and the same links. With two workers both at their peak at once, that
difference decided issue 7's 1.5 GB mark on 100,000 documents (``bench/memory.py``).
Cutting a batch once its texts reach :data:`MAX_BATCH_CHARS` bounds that peak for any corpus
(a text longer than that is still parsed, alone; readers cut a text at 200,000 characters,
``records.MAX_TEXT_CHARS``); batches of short news keep their 64 articles.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Characters of text in one batch at most (~17,000 words of English news: ~170 MiB of
# spaCy arrays; a batch of short news reaches its 64 articles first).
MAX_BATCH_CHARS = 100_000


def capped_batches(items: Iterable[T], max_items: int, length: Callable[[T], int], max_chars: int | None = None) -> Iterator[list[T]]:
    """``items`` in order, in lists of at most ``max_items`` whose ``length``s sum to at most
    ``max_chars`` (default :data:`MAX_BATCH_CHARS`; an item longer than that on its own makes
    a list of one)."""
    if max_chars is None:
        max_chars = MAX_BATCH_CHARS
    batch: list[T] = []
    chars = 0
    for item in items:
        size = length(item)
        if batch and chars + size > max_chars:
            yield batch
            batch, chars = [], 0
        batch.append(item)
        chars += size
        if len(batch) >= max_items:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch
