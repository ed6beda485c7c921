"""The lines of the KB's TSV data files, read one way: blank lines and ``#`` comments skipped."""
from __future__ import annotations

from collections.abc import Iterable, Iterator


def data_rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(1-based line number, tab-separated cells) of every line that holds data."""
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if line.strip() and not line.startswith("#"):
            yield number, line.split("\t")
