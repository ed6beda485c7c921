"""Progress for long jobs: count, rate and ETA on a terminal, silent in a pipe.

A thin wrapper over tqdm so problem lines print above the bar instead of
breaking it, and so a disabled bar costs nothing.
"""
from __future__ import annotations

import sys

from tqdm import tqdm


class Progress:
    def __init__(self, *, total: int | None, enabled: bool, unit: str = "items") -> None:
        self._bar = tqdm(total=total, unit=f" {unit}", file=sys.stderr, disable=not enabled, dynamic_ncols=True, smoothing=0.1)

    def update(self, n: int) -> None:
        self._bar.update(n)

    def write(self, line: str) -> None:
        if self._bar.disable:
            print(line, file=sys.stderr)
        else:
            self._bar.write(line, file=sys.stderr)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()
