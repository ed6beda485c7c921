"""Batches of articles cut by size as well as by count, so a worker's memory has a ceiling.

spaCy's NER allocates its arrays per batch, in proportion to the words of the whole batch:
parsing 64 typical newsarticles2017 articles (28k words) left a process's peak RSS where it
was (519 MiB), the 64 longest (140k words) raised it to 1,056 MiB. A worker's peak memory was
therefore set by the unluckiest batch of the corpus, and with two workers peaking at once
``bench/memory.py`` (100,000 documents) went over issue 7's 1.5 GB mark. Cutting a batch once
its texts reach :data:`MAX_BATCH_CHARS` bounds that peak for any corpus (a book-length text
is still parsed, alone); batches of ordinary news keep their 64 articles.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Characters of text in one batch at most (~30,000 words of English news, about the mid
# batch above, which added nothing to the peak).
MAX_BATCH_CHARS = 200_000


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
