"""Readers for the source formats: JSONL (optionally gzipped), CSV, plain text, folders.

Every reader yields ``(Article | None, [Problem])`` pairs one record at a time, so a
corpus of any size streams through in constant memory and a broken record costs
only itself.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .article import Article, stable_id
from .records import Problem, record_to_article

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


def _open_binary(path: Path) -> io.BufferedIOBase:
    raw = open(path, "rb")
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def _decode(data: bytes) -> tuple[str, bool]:
    """UTF-8 (a BOM is dropped); Latin-1 as a lossless fallback, flagged."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("latin-1"), True


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path | None, Problem | None]]:
    """Expand paths and folders into supported files, in a stable order.

    Folders are walked recursively; links are followed once (a link loop is
    reported, not followed forever); hidden files are passed over.
    """
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            yield None, Problem(str(path), None, "no such file or folder")
            continue
        if path.is_file():
            yield path, None
            continue
        for root, dirs, files in os.walk(path, followlinks=True):
            real = os.path.realpath(root)
            if real in seen:
                dirs[:] = []
                yield None, Problem(root, None, "folder link loop: not followed again", fatal=False)
                continue
            seen.add(real)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                file_path = Path(root) / name
                if _suffix(file_path) in SUPPORTED:
                    yield file_path, None


def read_paths(paths: Iterable[str | Path]) -> Iterator[ReadItem]:
    """Read every article under ``paths``; problems come through as items too."""
    for path, problem in iter_files(paths):
        if problem is not None:
            yield None, [problem]
            continue
        assert path is not None
        yield from read_file(path)


def read_file(path: Path) -> Iterator[ReadItem]:
    suffix = _suffix(path)
    try:
        if suffix in JSONL_SUFFIXES:
            yield from read_jsonl(path)
        elif suffix in CSV_SUFFIXES:
            yield from read_csv(path)
        elif suffix in TXT_SUFFIXES:
            yield from read_txt(path)
        else:
            yield None, [Problem(str(path), None, f"unsupported file type '{path.suffix}' (use {', '.join(SUPPORTED)})")]
    except (OSError, EOFError, gzip.BadGzipFile, zlib_error()) as exc:
        yield None, [Problem(str(path), None, f"cannot read file: {exc}")]


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def read_jsonl(path: Path) -> Iterator[ReadItem]:
    """One JSON object per line; blank lines are passed over."""
    with _open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            text, latin1 = _decode(raw)
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield None, [Problem(str(path), number, f"malformed JSON: {exc.msg} at column {exc.colno}", raw=text[:10_000])]
                continue
            article, problems = record_to_article(record, path=str(path), line=number)
            if latin1:
                problems.append(Problem(str(path), number, "not UTF-8: read as Latin-1", fatal=False))
            if article is None and problems:
                problems[0].raw = text[:10_000]
            yield article, problems


def read_csv(path: Path) -> Iterator[ReadItem]:
    """CSV (or TSV) with a header row naming the fields."""
    csv.field_size_limit(64 * 1024 * 1024)
    with _open_binary(path) as handle:
        data = handle.read()
    text, latin1 = _decode(data)
    if latin1:
        yield None, [Problem(str(path), None, "not UTF-8: read as Latin-1", fatal=False)]
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        yield None, [Problem(str(path), None, "empty CSV file (no header row)")]
        return
    except csv.Error as exc:
        yield None, [Problem(str(path), 1, f"malformed CSV header: {exc}")]
        return
    header = [h.strip() for h in header]
    start = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield None, [Problem(str(path), reader.line_num, f"malformed CSV row: {exc}")]
            continue
        line = start + 1
        start = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield None, [Problem(str(path), line, f"row has {len(row)} fields, header has {len(header)}", raw=delimiter.join(row)[:10_000])]
            continue
        record = dict(zip(header, row))
        yield record_to_article(record, path=str(path), line=line)


def read_txt(path: Path) -> Iterator[ReadItem]:
    """Plain text: first non-empty line is the title, the rest the body."""
    with _open_binary(path) as handle:
        data = handle.read()
    text, latin1 = _decode(data)
    problems: list[Problem] = []
    if latin1:
        problems.append(Problem(str(path), None, "not UTF-8: read as Latin-1", fatal=False))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        yield None, problems + [Problem(str(path), None, "empty file")]
        return
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip()
    record = {
        "id": stable_id(url=None, title=title, published=None, text=body),
        "title": title,
        "text": body,
        "file": str(path.name),
    }
    article, more = record_to_article(record, path=str(path), line=None)
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
                lines = sum(1 for _ in handle)
        except (OSError, EOFError, zlib_error()):
            continue
        total += max(lines - (1 if suffix in CSV_SUFFIXES else 0), 0)
    return total
