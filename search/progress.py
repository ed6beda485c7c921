"""Progress for long jobs: count, rate and ETA on a terminal, silent in a pipe.

A thin wrapper over tqdm so problem lines print above the bar instead of
breaking it, and so a disabled bar costs nothing.
"""
from __future__ import annotations

import os
import sys

from tqdm import tqdm


# Without a bar: what a terminal of unknown width (0 columns: a serial console, some
# CI and container ttys) still shows in full. tqdm would squeeze a bar into "no width".
PLAIN_FORMAT = "{n_fmt}{unit} [{elapsed}, {rate_fmt}{postfix}]"
PLAIN_FORMAT_TOTAL = "{n_fmt}/{total_fmt}{unit} {percentage:3.0f}% [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


def terminal_columns(stream: object = None) -> int:
    """The width of the terminal ``stream`` (stderr) is on; 0 when it is unknown."""
    try:
        return os.get_terminal_size((stream or sys.stderr).fileno()).columns  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return 0


class Progress:
    """``unit="B"`` counts bytes (scaled: kB, MB), for a job measured by how much of its
    input it has read; :meth:`note` then says what it has done meanwhile (articles)."""

    def __init__(self, *, total: int | None, enabled: bool, unit: str = "items") -> None:
        options: dict = {"dynamic_ncols": True}
        if enabled and terminal_columns() == 0:  # a plain count/rate/ETA line instead of an invisible bar
            options = {"bar_format": PLAIN_FORMAT_TOTAL if total else PLAIN_FORMAT, "ncols": 200}  # 0 would cut the line
        if unit == "B":
            options.update(unit_scale=True, unit_divisor=1000)
        self._bar = tqdm(total=total, unit=unit if unit == "B" else f" {unit}", file=sys.stderr, disable=not enabled, smoothing=0.1, **options)

    def update(self, n: int) -> None:
        self._bar.update(n)

    def advance_to(self, n: int) -> None:
        """Move the count to ``n`` (a position read off the input), never backwards."""
        if n > self._bar.n:
            self._bar.update(n - self._bar.n)

    def note(self, text: str) -> None:
        """What the job has done so far, after the rate (``1,234 articles``)."""
        if not self._bar.disable:
            self._bar.set_postfix_str(text, refresh=False)

    def write(self, line: str) -> None:
        if self._bar.disable:
            print(line, file=sys.stderr)
        else:
            self._bar.write(line, file=sys.stderr)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()
