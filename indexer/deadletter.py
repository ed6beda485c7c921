"""The ``--errors`` file of an index job: the dead letter of its rejected records.

It is written beside its final name (``.NAME.PID.partial``, hidden, so a folder
walk never reads it) and renamed into place when the job ends, so the file a
user names is never truncated before the job has read its inputs: with
``newslink index rejected.jsonl --errors rejected.jsonl`` the rejections would
otherwise be erased before being read. Naming an input as the errors file is
refused outright (see :func:`input_named`).
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .readers import iter_files
from .records import Problem


def input_named(errors_file: str | Path, paths: Iterable[str | Path]) -> Path | None:
    """The input among ``paths`` (files, or files in folders) that is ``errors_file`` itself."""
    if not os.path.exists(errors_file):
        return None  # a file that does not exist yet is no one's input
    real = os.path.realpath(errors_file)
    for path, _problem in iter_files(paths):
        if path is not None and os.path.realpath(path) == real:
            return path
    return None


class DeadLetterFile:
    """Rejected records, one JSON line each, line-buffered (a killed job leaves every
    rejection so far in the ``.partial`` file beside the final name)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        self._handle = open(self.partial, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed by close()
        self.written = 0

    def add(self, problem: Problem) -> None:
        self._handle.write(problem.dead_letter_line())
        self.written += 1

    def close(self) -> None:
        """Finish the file and move it to its name (also after a failed job: what it holds is true)."""
        if self._handle.closed:
            return
        try:
            self._handle.close()
        finally:
            os.replace(self.partial, self.path)
