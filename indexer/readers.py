"""Readers for the source formats: JSONL (optionally gzipped), CSV, plain text, folders.

Every reader yields ``(Article | None, [Problem])`` pairs one record at a time, so a
corpus of any size streams through in constant memory and a broken record costs
only itself.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .article import Article, stable_id
from .records import DEAD_LETTER_MARK, FIELD_ALIASES, MAX_TITLE_CHARS, Problem, record_to_article

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv")
TXT_SUFFIXES = (".txt",)
SUPPORTED = JSONL_SUFFIXES + CSV_SUFFIXES + TXT_SUFFIXES

ReadItem = tuple[Article | None, list[Problem]]


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(SUPPORTED, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


class ByteMeter:
    """How far a read of several files has got, in bytes as stored (compressed bytes
    of a ``.gz``): progress and an ETA for a job whose record count is known only at
    its end, without a counting pass that would read the whole input twice."""

    def __init__(self, total: int = 0) -> None:
        self.total = total
        self._done = 0  # the sizes of the files read before the current one
        self._raw: io.BufferedReader | None = None
        self._size = 0

    @classmethod
    def of(cls, paths: Iterable[str | Path], *, skip: Iterable[str | Path] = ()) -> "ByteMeter":
        """A meter whose total is the size of every file ``paths`` name (a listing, nothing read)."""
        total = 0
        for path, _problem in iter_files(paths, skip=skip):
            if path is not None:
                try:
                    total += path.stat().st_size
                except OSError:
                    pass  # reported when it is read
        return cls(total)

    def track(self, raw: io.BufferedReader) -> None:
        """``raw`` is the file being read now (the one before it is done)."""
        self._done += self._size
        self._raw = raw
        try:
            self._size = os.fstat(raw.fileno()).st_size
        except OSError:
            self._size = 0

    @property
    def position(self) -> int:
        try:
            current = self._raw.tell() if self._raw is not None else 0
        except (ValueError, OSError):  # closed: read to its end
            current = self._size
        return self._done + min(current, self._size)


def _open_binary(path: Path, meter: ByteMeter | None = None) -> io.BufferedIOBase:
    raw = open(path, "rb")
    if meter is not None:
        meter.track(raw)
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def _decode(data: bytes) -> tuple[str, bool]:
    """UTF-8 (a BOM is dropped); Latin-1 as a lossless fallback, flagged."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("latin-1"), True


READ_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
MAX_LINE_BYTES = 64 * 1024 * 1024  # one JSONL line / CSV line; longer ones are skipped, reported
MAX_TXT_BYTES = 16 * 1024 * 1024  # a .txt article; the text is cut far below this anyway


_SURROGATES = re.compile("[\ud800-\udfff]")


def _is_utf16(head: bytes) -> bool:
    """A UTF-16 BOM, then text that reads as UTF-16 (what Windows tools write).

    The BOM alone is not enough: binary garbage may start with the same two bytes.
    A lone surrogate or two (a JSON ``"\ud800"`` a careless tool wrote raw) is
    still UTF-16 when most code units are ASCII, as JSON and CSV syntax are;
    garbage read as UTF-16 is neither.
    """
    if head[:2] == codecs.BOM_UTF16_LE:
        codec = "utf-16-le"
    elif head[:2] == codecs.BOM_UTF16_BE:
        codec = "utf-16-be"
    else:
        return False
    body = head[2 : 2 + (len(head) - 2) // 2 * 2]
    text = body.decode(codec, "surrogatepass")
    if text and "\ud800" <= text[-1] <= "\udbff":  # a surrogate pair cut by the sample's end
        text = text[:-1]
    lone = len(_SURROGATES.findall(text))
    if lone:
        ascii_units = sum(1 for ch in text if ch < "\x80")
        if lone > 2 or ascii_units < len(text) / 2:
            return False
        text = _SURROGATES.sub("", text)
    return "\n" in text or all(ch.isprintable() or ch in "\r\t" for ch in text)


SNIFF_BYTES = 8192
# Bytes no text format writes raw (JSON escapes them, CSV and prose do not use them).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")


def _head(handle: io.BufferedIOBase) -> bytes:
    """The first bytes of a file (decompressed), without consuming them."""
    return handle.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(handle, "peek") else b""


def _binary_lines(head: bytes, *, csv_file: bool = False) -> bool:
    """``head`` is binary data, not lines of JSON or CSV text.

    Random bytes named ``.jsonl`` would otherwise be read as ~30 "lines" per 8 KB,
    each an error (and a Latin-1 warning). No text format writes control bytes
    raw (JSON escapes them), so: some line holds one, and no line looks like a
    record -- for JSONL a line starting with ``{`` free of them, for CSV a first
    (header) line free of them. A file with a few broken lines among good ones is
    not binary: those lines are reported one by one as usual.
    """
    if _is_utf16(head[:512]):
        return False
    lines = [line.strip().removeprefix(codecs.BOM_UTF8) for line in head.split(b"\n")]
    lines = [line for line in lines if line]
    garbage = sum(len(line) for line in lines if _CONTROL_BYTES.search(line))
    if not garbage or garbage < 0.9 * sum(map(len, lines)):  # mostly text: bad lines are reported one by one
        return False
    if csv_file:
        return True if not lines else bool(_CONTROL_BYTES.search(lines[0]))
    return not any(line.startswith(b"{") and not _CONTROL_BYTES.search(line) for line in lines)


def _binary_problem(path: Path) -> Problem:
    return Problem(str(path), None, "binary data, not text: not read")


class _Lines:
    """The lines of a (possibly gzipped) text file, decoded one at a time.

    Streams in constant memory. UTF-8 with or without BOM; UTF-16 when the file
    starts with its BOM (Windows tools write it); else each line that is not
    UTF-8 is read as Latin-1 and :attr:`latin1` says so. A line longer than
    ``MAX_LINE_BYTES`` comes back as ``None`` (skipped to its end, not read into
    memory). A read error (a ``.gz`` cut short, an I/O error) ends the lines and
    is kept in :attr:`error`, with :attr:`number` the last line read.
    """

    def __init__(self, handle: io.BufferedIOBase) -> None:
        self.handle = handle
        self.number = 0
        self.latin1 = False  # the line just read was not UTF-8
        self.any_latin1 = False
        self.error: BaseException | None = None
        self.utf16 = _is_utf16(handle.peek(512)[:512] if hasattr(handle, "peek") else b"")

    def __iter__(self) -> Iterator[str | None]:
        try:
            if self.utf16:
                # lone surrogates come through (records.py replaces them, with a warning)
                text = io.TextIOWrapper(self.handle, encoding="utf-16", errors="surrogatepass", newline="\n")
                for line in text:
                    self.number += 1
                    yield line
                return
            while True:
                raw = self.handle.readline(MAX_LINE_BYTES)
                if not raw:
                    return
                self.number += 1
                if len(raw) >= MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    while (more := self.handle.readline(MAX_LINE_BYTES)) and not more.endswith(b"\n"):
                        pass
                    yield None
                    continue
                text, self.latin1 = _decode(raw)
                self.any_latin1 |= self.latin1
                yield text
        except READ_ERRORS + (UnicodeDecodeError,) as exc:
            self.error = exc

    def problem(self, path: Path) -> Problem | None:
        if self.error is None:
            return None
        after = f" after line {self.number}" if self.number else ""
        reason = str(self.error) or type(self.error).__name__
        return Problem(str(path), self.number + 1, f"cannot read the file past this point{after} (cut short or damaged?): {reason}")


def iter_files(
    paths: Iterable[str | Path], *, skip: Iterable[str | Path] = ()
) -> Iterator[tuple[Path | None, Problem | None]]:
    """Expand paths and folders into supported files, in a stable order.

    Folders are walked recursively; links are followed once (a link loop is
    reported, not followed forever); hidden files are passed over; a file reached
    twice (given twice, or through a link) is read once; anything that is not a
    regular file (a FIFO named ``x.jsonl``) is reported, never opened. Files in
    ``skip`` (the dead-letter file being written) are never read.
    """
    seen_dirs: set[str] = set()
    seen_files: set[str] = {os.path.realpath(p) for p in skip}
    for given in paths:
        path = Path(given)
        if not path.exists():
            yield None, Problem(str(path), None, "no such file or folder")
            continue
        if not path.is_dir():
            real = os.path.realpath(path)
            if real in seen_files:
                continue
            seen_files.add(real)
            if path.is_file():
                yield path, None
            else:
                yield None, Problem(str(path), None, "not a regular file or folder")
            continue
        found = 0
        walk_errors: list[OSError] = []
        for root, dirs, files in os.walk(path, followlinks=True, onerror=walk_errors.append):
            while walk_errors:
                error = walk_errors.pop(0)
                yield None, Problem(str(error.filename or root), None, f"cannot read folder: {error.strerror or error}")
            real = os.path.realpath(root)
            if real in seen_dirs:
                dirs[:] = []
                yield None, Problem(root, None, "folder already read (a link loop or a second link to it): not read again", fatal=False)
                continue
            seen_dirs.add(real)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                file_path = Path(root) / name
                if _suffix(file_path) not in SUPPORTED:
                    continue
                real = os.path.realpath(file_path)
                if real in seen_files:
                    continue
                seen_files.add(real)
                found += 1
                if os.path.isfile(file_path) or not os.path.exists(file_path):
                    yield file_path, None  # a dangling link is reported when opened
                else:
                    yield None, Problem(str(file_path), None, "not a regular file: not read")
        for error in walk_errors:
            yield None, Problem(str(error.filename or path), None, f"cannot read folder: {error.strerror or error}")
        if not found:
            yield None, Problem(str(path), None, f"no {', '.join(SUPPORTED)} files in this folder", fatal=False)


def read_paths(paths: Iterable[str | Path], *, skip: Iterable[str | Path] = (), meter: ByteMeter | None = None) -> Iterator[ReadItem]:
    """Read every article under ``paths``; problems come through as items too.
    ``meter`` follows how many bytes of them have been read."""
    for path, problem in iter_files(paths, skip=skip):
        if problem is not None:
            yield None, [problem]
            continue
        assert path is not None
        yield from read_file(path, meter)


def read_file(path: Path, meter: ByteMeter | None = None) -> Iterator[ReadItem]:
    suffix = _suffix(path)
    try:
        if suffix in JSONL_SUFFIXES:
            yield from read_jsonl(path, meter)
        elif suffix in CSV_SUFFIXES:
            yield from read_csv(path, meter)
        elif suffix in TXT_SUFFIXES:
            yield from read_txt(path, meter)
        else:
            yield None, [Problem(str(path), None, f"unsupported file type '{path.suffix}' (use {', '.join(SUPPORTED)})")]
    except READ_ERRORS as exc:
        yield None, [Problem(str(path), None, f"cannot read file: {exc}")]


def zlib_error() -> type[Exception]:
    return zlib.error


def _guarded(article_of: Callable[[], tuple[Article | None, list[Problem]]], path: Path, line: int | None) -> tuple[Article | None, list[Problem]]:
    """One record's conversion; an unexpected error costs that record only."""
    try:
        return article_of()
    except Exception as exc:  # noqa: BLE001 - a bug must not end the job; it is reported
        return None, [Problem(str(path), line, f"cannot convert record ({type(exc).__name__}: {exc})")]


def _parse_json(text: str) -> tuple[Any, str | None]:
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON: {exc.msg} at column {exc.colno}"
    except (ValueError, RecursionError) as exc:  # 5,000-digit numbers, [[[[...]]]] 100,000 deep
        return None, f"malformed JSON: {str(exc)[:200]}"


def read_jsonl(path: Path, meter: ByteMeter | None = None) -> Iterator[ReadItem]:
    """One JSON object per line; blank lines are passed over.

    Lines of a dead-letter file (see :meth:`Problem.dead_letter`) are unwrapped:
    the record inside is read as if it came from its original source.
    """
    records = 0
    with _open_binary(path, meter) as handle:
        if _binary_lines(_head(handle)):
            yield None, [_binary_problem(path)]
            return
        lines = _Lines(handle)
        for text in lines:
            number, latin1 = lines.number, lines.latin1
            if text is None:
                yield None, [Problem(str(path), number, f"line longer than {MAX_LINE_BYTES:,} bytes: not read")]
                continue
            if not text.strip():
                continue
            records += 1
            record, error = _parse_json(text)
            if error is not None:
                problems = [Problem(str(path), number, error, raw=text, format="jsonl")]
                if latin1:
                    problems.append(Problem(str(path), number, "not UTF-8: read as Latin-1", fatal=False))
                yield None, problems
                continue
            if isinstance(record, dict) and DEAD_LETTER_MARK in record:
                item = _guarded(lambda: _from_dead_letter(record, path, number), path, number)
            else:
                item = _guarded(lambda: record_to_article(record, path=str(path), line=number), path, number)
                _attach(item[1], record, text, "jsonl")
            article, problems = item
            if latin1:
                problems.append(Problem(str(path), number, "not UTF-8: read as Latin-1", fatal=False))
            yield article, problems
    problem = lines.problem(path)
    if problem is not None:
        yield None, [problem]
    elif not records:
        yield None, [Problem(str(path), None, "no records in this file", fatal=False)]


def _attach(problems: list[Problem], record: Any, raw: str, fmt: str, header: list[str] | None = None) -> None:
    """Give the record's fatal problem what a dead-letter file needs to re-feed it."""
    for problem in problems:
        if problem.fatal:
            problem.record = record if isinstance(record, dict) else None
            problem.raw = raw
            problem.format = fmt
            problem.header = header
            return


def _from_dead_letter(entry: dict[str, Any], path: Path, number: int) -> ReadItem:
    """The record inside one dead-letter line, read the way its source was."""
    origin = entry.get("origin") or {"path": entry.get("path"), "line": entry.get("line")}
    record = entry.get("record")
    fmt = entry.get("format") or "jsonl"
    header = entry.get("header")
    if isinstance(record, dict):
        article, problems = record_to_article(record, path=str(path), line=number)
        _attach(problems, record, json.dumps(record, ensure_ascii=False), "jsonl")
    elif isinstance(record, str) and fmt in ("csv", "tsv") and isinstance(header, list):
        rows = _csv_rows(record, "\t" if fmt == "tsv" else ",")
        row = rows[0] if rows and len(rows) == 1 else None
        if rows is not None and len(rows) > 1:
            problems = [Problem(str(path), number, f"record holds {len(rows)} CSV rows; a dead-letter entry is one row (split it into one entry per row)")]
            article = None
        elif row is None or len(row) != len(header):
            cells = "no fields (an unterminated quote?)" if row is None else f"{len(row)} fields"
            problems = [Problem(str(path), number, f"row has {cells}, header has {len(header)}")]
            article = None
        else:
            article, problems = record_to_article(dict(zip(header, row)), path=str(path), line=number)
        _attach(problems, None, record, fmt, header)
    elif isinstance(record, str):
        parsed, error = _parse_json(record)
        if error is not None:
            article, problems = None, [Problem(str(path), number, error)]
        else:
            article, problems = record_to_article(parsed, path=str(path), line=number)
        _attach(problems, parsed if error is None else None, record, "jsonl")
    else:
        message = entry.get("error") or "rejected"
        where = f"{origin.get('path')}:{origin.get('line')}" if origin.get("line") else str(origin.get("path"))
        return None, [Problem(str(path), number, f"nothing to re-feed ({where}: {message}); fix that file and index it again", origin=origin)]
    for problem in problems:
        if problem.fatal:
            problem.origin = origin
    if article is not None:
        article.origin = origin
    return article, problems


class _Feed:
    """The lines a ``csv.reader`` reads, with their numbers; lines can be given back.

    After a broken row (an unterminated quote swallows every line after it) the
    lines past the break are given back and read again as rows of their own.
    """

    def __init__(self, lines: _Lines, path: Path) -> None:
        self.lines = lines
        self.source = iter(lines)
        self.path = path
        self.returned: deque[tuple[int, str]] = deque()
        self.consumed: list[tuple[int, str]] = []  # (number, text) of the row being read
        self.too_long: list[Problem] = []

    def __iter__(self) -> "_Feed":
        return self

    def __next__(self) -> str:
        if len(self.consumed) >= CSV_MAX_ROW_LINES:
            # End the row here (the reader returns it, broken): a stray quote would
            # otherwise swallow the rest of the file, to be read again after it.
            raise StopIteration
        if self.returned:
            item = self.returned.popleft()
        else:
            while (text := next(self.source)) is None:
                self.too_long.append(Problem(str(self.path), self.lines.number, f"line longer than {MAX_LINE_BYTES:,} bytes: not read"))
            item = (self.lines.number, text)
        self.consumed.append(item)
        return item[1]

    def give_back(self, items: list[tuple[int, str]]) -> None:
        self.returned.extendleft(reversed(items))


CSV_PROBE_LINES = 100  # a row that starts a fresh read may span this many lines at most
# One CSV row spans at most this many lines (a quoted body with blank lines between
# paragraphs stays far below it); past it the row is taken as broken by a stray quote.
CSV_MAX_ROW_LINES = 10_000


def _csv_rows(text: str, delimiter: str, *, strict: bool = False) -> list[list[str]] | None:
    """Every row of ``text``, read as :func:`read_csv` reads them (``strict``: an
    unterminated quote is an error); None if that fails."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict))
    except csv.Error:
        return None


def _restart_at(consumed: list[tuple[int, str]], width: int, delimiter: str) -> int | None:
    """Where a broken row of several lines really ends: the first later line that
    starts a well-formed row of ``width`` fields (None: the whole stretch is one bad record)."""
    for k in range(1, len(consumed)):
        reader = csv.reader((text for _n, text in consumed[k : k + CSV_PROBE_LINES]), delimiter=delimiter, strict=True)
        try:
            row = next(reader)
        except (StopIteration, csv.Error):
            continue
        if len(row) == width:
            return k
    return None


# Every field name records.py knows, to tell a header row from a data row.
_KNOWN_FIELDS = {name for names in FIELD_ALIASES.values() for name in names}
_CONTENT_FIELDS = set(FIELD_ALIASES["title"] + FIELD_ALIASES["text"])


def _header_problem(path: Path, header: list[str]) -> Problem | None:
    """A CSV whose first row names no title or text column cannot give one article:
    one error for the file (not one "no title and no text" per row)."""
    if any(h.lower() in _CONTENT_FIELDS for h in header):
        return None
    shown = ", ".join(repr(h[:30]) for h in header[:5]) + (", …" if len(header) > 5 else "")
    if not any(h.lower() in _KNOWN_FIELDS for h in header):
        return Problem(str(path), 1, f"no header row: the first row ({shown}) looks like data, not field names; add a header naming the columns (e.g. id,title,text,published,source,url); file not read")
    return Problem(str(path), 1, f"the header ({shown}) names no title or text column ({', '.join(FIELD_ALIASES['title'][:2] + FIELD_ALIASES['text'][:2])}, …); file not read")


def read_csv(path: Path, meter: ByteMeter | None = None) -> Iterator[ReadItem]:
    """CSV (or TSV) with a header row naming the fields, streamed row by row.

    Header names are matched without regard to case (``Title`` is ``title``). A
    row broken by an unterminated quote costs only its own lines: reading
    resumes at the next line that starts a well-formed row.
    """
    csv.field_size_limit(MAX_LINE_BYTES)
    fmt = "tsv" if path.name.lower().endswith(".tsv") else "csv"
    delimiter = "\t" if fmt == "tsv" else ","
    records = 0
    with _open_binary(path, meter) as handle:
        if _binary_lines(_head(handle), csv_file=True):
            yield None, [_binary_problem(path)]
            return
        lines = _Lines(handle)
        feed = _Feed(lines, path)
        reader = csv.reader(feed, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            header = None
        except csv.Error as exc:
            yield None, [Problem(str(path), 1, f"malformed CSV header: {exc}")]
            return
        if header is None:
            yield None, [lines.problem(path) or Problem(str(path), None, "no records in this file (empty)", fatal=False)]
            return
        header = [h.strip().lower() if h.strip().lower() in _KNOWN_FIELDS else h.strip() for h in header]
        problem = _header_problem(path, header)
        if problem is not None:
            yield None, [problem]
            return
        if lines.any_latin1:
            yield None, [Problem(str(path), None, "not UTF-8: read as Latin-1", fatal=False)]
        warned_latin1 = lines.any_latin1
        while True:
            feed.consumed = []
            try:
                row: list[str] | csv.Error | None = next(reader)
            except StopIteration:
                row = None
            except csv.Error as exc:
                row = exc
            for problem in feed.too_long:
                yield None, [problem]
            feed.too_long.clear()
            if lines.any_latin1 and not warned_latin1:
                yield None, [Problem(str(path), None, "not UTF-8: read as Latin-1", fatal=False)]
                warned_latin1 = True
            if row is None:
                break
            consumed = feed.consumed
            line = consumed[0][0] if consumed else lines.number
            # A row of several lines whose quotes do not pair up (strictly read) swallowed
            # the rows after it, whether or not its field count happens to fit (a later
            # quote may close the stray one); a row whose quotes pair up is one record.
            if (
                len(consumed) > 1
                and _csv_rows("".join(text for _n, text in consumed), delimiter, strict=True) is None
                and (k := _restart_at(consumed, len(header), delimiter)) is not None
            ):
                feed.give_back(consumed[k:])
                raw = "".join(text for _n, text in consumed[:k])
                reparsed = _csv_rows(raw, delimiter, strict=True)
                why = "an unterminated quote" if reparsed is None else f"{sum(map(len, reparsed))} fields, header has {len(header)}"
                records += 1
                yield None, [Problem(str(path), line, f"malformed CSV row ({why}); read again from line {consumed[k][0]}", raw=raw, format=fmt, header=header)]
                continue
            raw = "".join(text for _n, text in consumed)
            if isinstance(row, csv.Error):
                yield None, [Problem(str(path), line, f"malformed CSV row: {row}", raw=raw, format=fmt, header=header)]
                continue
            if not any(cell.strip() for cell in row):
                continue
            records += 1
            if len(row) != len(header):
                yield None, [Problem(str(path), line, f"row has {len(row)} fields, header has {len(header)}", raw=raw, format=fmt, header=header)]
                continue
            record = dict(zip(header, row))
            article, problems = _guarded(lambda: record_to_article(record, path=str(path), line=line), path, line)
            _attach(problems, record, raw, fmt, header)
            yield article, problems
    problem = lines.problem(path)
    if problem is not None:
        yield None, [problem]
    elif not records:
        yield None, [Problem(str(path), None, "no records in this file (only a header)", fatal=False)]


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or mostly control characters in the first 8 KB: not a text file."""
    head = data[:8192]
    if not head:
        return False
    if _is_utf16(head[:512]):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control > len(head) * 0.1


def _decode_prefix(data: bytes, complete: bool) -> tuple[str, bool]:
    """Decode a whole file, or the first ``MAX_TXT_BYTES`` of one (a cut UTF-8 character is dropped)."""
    if _is_utf16(data[:512]):
        return data.decode("utf-16", "replace"), False
    if not complete:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3:
                data = data[: exc.start]
    return _decode(data)


def read_txt(path: Path, meter: ByteMeter | None = None) -> Iterator[ReadItem]:
    """Plain text: first non-empty line is the title, the rest the body."""
    with _open_binary(path, meter) as handle:
        data = handle.read(MAX_TXT_BYTES + 1)
    complete = len(data) <= MAX_TXT_BYTES
    data = data[:MAX_TXT_BYTES]
    if _looks_binary(data):
        yield None, [_binary_problem(path)]
        return
    text, latin1 = _decode_prefix(data, complete)
    problems: list[Problem] = []
    if latin1:
        problems.append(Problem(str(path), None, "not UTF-8: read as Latin-1", fatal=False))
    if not complete:
        problems.append(Problem(str(path), None, f"file larger than {MAX_TXT_BYTES:,} bytes: only its beginning read", fatal=False))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        yield None, problems + [Problem(str(path), None, "empty file")]
        return
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip()
    if len(title) > MAX_TITLE_CHARS:  # a paragraph or a one-line file: that is text, not a title
        title, body = "", "\n".join(lines).strip()
    record = {
        "id": stable_id(url=None, title=title, published=None, text=body),
        "title": title,
        "text": body,
        "file": str(path.name),
    }
    article, more = _guarded(lambda: record_to_article(record, path=str(path), line=None), path, None)
    yield article, problems + more


def count_records(paths: Iterable[str | Path]) -> int:
    """A cheap upper estimate of how many records ``paths`` hold (for progress ETA)."""
    total = 0
    for path, problem in iter_files(paths):
        if path is None:
            continue
        suffix = _suffix(path)
        if suffix in TXT_SUFFIXES:
            total += 1
            continue
        try:
            with _open_binary(path) as handle:
                lines = sum(1 for _ in iter(lambda: handle.readline(MAX_LINE_BYTES), b""))
        except READ_ERRORS:
            continue
        total += max(lines - (1 if suffix in CSV_SUFFIXES else 0), 0)
    return total
