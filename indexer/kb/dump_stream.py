"""A dump file's bytes, decompressed, with how far into the file the reading got.

Decompressing is the slowest part of importing a ``.json.bz2`` dump, so bz2 goes to
the fastest reader the machine has that keeps memory flat. In order of preference
(``NEWSLINK_BZ2=lbzip2|indexed_bzip2|bz2`` picks one):

* ``lbzip2`` (Debian/Ubuntu/Homebrew package of that name), a child process that
  decompresses on every core in a fixed ~30 MB. It is first because it is both
  parallel and constant-memory.
* ``indexed_bzip2`` (``pip install "newslink[wikidata]"``): parallel and in-process,
  ~15 % less CPU than lbzip2. But it is made for seeking and keeps an offset map of
  every block it has read: ~0.4 MB more per GB of JSON (bench/README.md, "10 M items"),
  several hundred MB over a full Wikidata dump.
* the standard ``bz2`` module: constant memory, one core.

``.gz`` is read with ``gzip`` (fast enough on one core); anything else is plain.
"""
from __future__ import annotations

import bz2
import gzip
import io
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

BZ2_READERS = ("lbzip2", "indexed_bzip2", "bz2")
CHUNK = 1 << 20


def open_raw(path: str | Path) -> BinaryIO:
    return open(path, "rb")


def bz2_reader() -> str:
    """The bz2 reader to use: ``NEWSLINK_BZ2`` if set, else the first one installed."""
    chosen = os.environ.get("NEWSLINK_BZ2", "").strip()
    if os.environ.get("NEWSLINK_PLAIN_BZ2"):  # the older switch: the standard module
        chosen = chosen or "bz2"
    if chosen:
        if chosen not in BZ2_READERS:
            raise ValueError(f"NEWSLINK_BZ2={chosen!r}: expected one of {', '.join(BZ2_READERS)}")
        if chosen == "lbzip2" and shutil.which("lbzip2") is None:
            raise ValueError("NEWSLINK_BZ2=lbzip2 but no lbzip2 program is on PATH (apt-get install lbzip2)")
        if chosen == "indexed_bzip2" and _indexed_bzip2() is None:
            raise ValueError('NEWSLINK_BZ2=indexed_bzip2 but it is not installed (pip install "newslink[wikidata]")')
        return chosen
    if shutil.which("lbzip2"):
        return "lbzip2"
    if _indexed_bzip2() is not None:
        return "indexed_bzip2"
    return "bz2"


def decompressed(raw: BinaryIO, path: str | Path) -> tuple[BinaryIO, Callable[[], int]]:
    """The dump's bytes, and how many bytes of the compressed file they come from (progress)."""
    name = str(path)
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw), raw.tell  # type: ignore[return-value]
    if not name.endswith(".bz2"):
        return raw, raw.tell
    reader = bz2_reader()
    if reader == "lbzip2":
        piped = PipedDecompressor(raw, ["lbzip2", "-d", "-c", "-n", str(os.cpu_count() or 1)], what=str(path))
        return io.BufferedReader(piped, CHUNK), lambda: piped.fed  # type: ignore[arg-type]
    if reader == "indexed_bzip2":
        # It reads through Python calls (not the file descriptor, whose offset would not
        # move), so the furthest byte read says how far the import got.
        counting = _Counting(raw)
        parallel = _indexed_bzip2().open(counting, parallelization=os.cpu_count() or 1)
        return io.BufferedReader(parallel, CHUNK), lambda: counting.furthest  # type: ignore[arg-type]
    return bz2.BZ2File(raw), raw.tell  # type: ignore[return-value]


class PipedDecompressor(io.RawIOBase):
    """A decompressing program's output, its input fed from ``raw`` by a thread.

    Feeding it from Python (rather than handing it the path) is what lets the import
    report progress in compressed bytes and read a file object like the other readers.
    A failure of the program (a corrupt or truncated file) is raised at the end of its
    output with its own last line of error; closing early ends the program."""

    def __init__(self, raw: BinaryIO, argv: list[str], *, what: str) -> None:
        super().__init__()
        self.raw = raw
        self.what = what
        self.fed = 0
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._feeder = threading.Thread(target=self._feed, name="dump-feeder", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            while chunk := self.raw.read(CHUNK):
                stdin.write(chunk)
                self.fed += len(chunk)
        except (BrokenPipeError, ValueError, OSError):
            pass  # the program stopped (closed early, or failed: its exit status tells)
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        assert self.proc.stdout is not None
        n = self.proc.stdout.readinto(buffer)
        if not n:
            self._check_exit()
        return n or 0

    def _check_exit(self) -> None:
        status = self.proc.wait()
        self._feeder.join()
        if status != 0:
            assert self.proc.stderr is not None
            lines = self.proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
            program = os.path.basename(str(self.proc.args[0]))  # type: ignore[index]
            raise OSError(f"{self.what}: {lines[-1] if lines else f'{program}: exit status {status}'}")

    def close(self) -> None:
        if self.closed:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._feeder.join()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        super().close()


class _Counting(io.RawIOBase):
    """A file read through Python calls, remembering the furthest byte read."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.furthest = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.furthest = max(self.furthest, self.raw.tell())
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()


def _indexed_bzip2() -> Any:
    try:
        import indexed_bzip2
    except ImportError:
        return None
    return indexed_bzip2
