"""The KB gazetteer: every alias occurrence in a text, from an on-disk trie of token sequences.

The statistical NER misses or mislabels what matters most here (weapons above all:
"Shahed drones" comes out as NORP), so the KB's aliases are matched as a pipeline
component and recorded in ``doc.spans["kb"]``.

Why a trie file and not spaCy's ``PhraseMatcher``: a ``PhraseMatcher`` holds a Doc per
pattern in every process and is rebuilt at every start. With the compiled open data
(~270k surface forms) that cost 13.5 s and 1.6 GB of RSS per process, and it grows
with the KB; a Wikidata-scale KB would not fit. Here the surface forms are tokenized
once per KB (by the pipeline's own tokenizer, so a match is exactly a PhraseMatcher
match on ORTH) and stored as a MARISA trie beside the KB; every process memory-maps
it (the pages are shared, start-up is a file open). Matching walks the trie from each
token: one ``prefixes`` call per token returns every alias that starts there.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING

import marisa_trie

if TYPE_CHECKING:  # spaCy is imported where a Gazetteer runs: the trie helpers here serve processes that never parse
    from spacy.tokens import Doc

GAZETTEER_KEY = "kb"
# Bumped when the keys or their derivation change: older index files are then rebuilt.
INDEX_FORMAT = "1"
# Joins the tokens of a surface form into one trie key. A surface holding it (or the
# stand-in below) is never a pattern; a document token holding it cannot be part of a match.
SEP = "\x1f"
_STAND_IN = "\x1e"
_RESERVED = (SEP, _STAND_IN)

Tokenize = Callable[[str], "Doc"]


def pattern_surfaces(aliases: Iterable[tuple[str, str, str, str]]) -> Iterator[str]:
    """Surface forms the gazetteer looks for, from (surface, qid, type, kind) rows.

    Weapons also get plural forms ("Shahed drones" has "Shahed"; "Patriot
    missiles" needs "Patriot missile" + s) and every alias an upper-case form for
    all-caps wire headlines. May repeat a form: the trie keeps one.
    """
    for surface, _qid, type_, _kind in aliases:
        surface = surface.strip()
        if len(surface) < 2:
            continue
        yield surface
        if type_ == "weapon" and not surface.endswith("s") and surface[-1].isalpha():
            yield surface + "s"
        if len(surface) >= 4:
            yield surface.upper()


# Surface forms tokenized per spaCy memory zone: the tokens of a Wikidata-sized KB's millions
# of names stayed in the vocabulary (an index build took 769 MiB at 10 M items). Smaller
# batches cost CPU (each zone starts the tokenizer's cache afresh): at 1 M items 20k a batch
# took 8.8 CPU-s and 178 MiB, 50k 7.6 s and 181 MiB, one zone 6.7 s and 241 MiB.
TOKENIZE_BATCH = 50_000


def pattern_keys(surfaces: Iterable[str], tokenize: Tokenize) -> Iterator[str]:
    """The trie key of each surface form: its tokens, as ``tokenize`` splits it, joined by SEP.

    Tokenized in batches, each in a spaCy memory zone of the tokenizer's vocabulary (when it
    has one), so the strings and lexemes of names seen once are freed, not kept."""
    zone = getattr(getattr(tokenize, "vocab", None), "memory_zone", None)
    surfaces = iter(surfaces)
    while batch := list(islice(surfaces, TOKENIZE_BATCH)):
        with zone() if zone is not None else nullcontext():
            keys = [SEP.join(t.text for t in tokenize(s)) for s in batch if not any(c in s for c in _RESERVED)]
        yield from (k for k in keys if k)


# The one key that is not a pattern: how many tokens the longest pattern has (a document
# window never starts with SEP, so it can never match).
_MAX_TOKENS = SEP + "max_tokens="


def build_trie(keys: Iterable[str]) -> marisa_trie.Trie:
    """The trie of ``keys`` plus the length of the longest in tokens (read back by :class:`TrieMatcher`).

    The keys are made unique in a temp SQLite file, not a Python set (~100 bytes per key:
    3 M keys at 10 M items), and streamed into the trie in order; MARISA sorts its keyset
    itself, so the file is the one a set gives, byte for byte (tests/test_gazetteer.py)."""
    with tempfile.TemporaryDirectory(prefix="newslink-trie-") as folder:
        db = sqlite3.connect(Path(folder) / "keys.sqlite")
        try:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE k (key TEXT PRIMARY KEY) WITHOUT ROWID;")
            longest = [0]

            def counted(keys: Iterable[str]) -> Iterator[tuple[str]]:
                for key in keys:
                    longest[0] = max(longest[0], key.count(SEP) + 1)
                    yield (key,)

            db.executemany("INSERT OR IGNORE INTO k VALUES (?)", counted(keys))
            unique = chain((k for (k,) in db.execute("SELECT key FROM k")), [f"{_MAX_TOKENS}{longest[0]}"])
            return marisa_trie.Trie(unique)
        finally:
            db.close()


class TrieMatcher:
    """All (start, end) token ranges of a Doc whose tokens spell a key of the trie."""

    def __init__(self, trie: marisa_trie.Trie) -> None:
        self.trie = trie
        # The longest key in tokens bounds the window one walk reads.
        self.max_tokens = max((int(k[len(_MAX_TOKENS):]) for k in trie.keys(_MAX_TOKENS)), default=0)

    def ranges(self, words: list[str]) -> list[tuple[int, int]]:
        n = len(words)
        if not n or not self.max_tokens:
            return []
        words = [w.replace(SEP, _STAND_IN) if SEP in w else w for w in words]
        joined = SEP.join(words) + SEP
        offsets = [0] * (n + 1)
        pos = 0
        for i, w in enumerate(words):
            offsets[i] = pos
            pos += len(w) + 1
        offsets[n] = pos
        prefixes = self.trie.prefixes
        width = self.max_tokens
        out: list[tuple[int, int]] = []
        for i in range(n):
            start = offsets[i]
            window = joined[start:offsets[min(n, i + width)]]
            for key in prefixes(window):
                if window[len(key)] == SEP:  # the key ends where a token ends
                    out.append((i, i + key.count(SEP) + 1))
        return out


class Gazetteer:
    """Finds KB alias occurrences (case-sensitive) and stores them as ``doc.spans["kb"]``:
    the longest match wins where matches overlap (``spacy.util.filter_spans``)."""

    def __init__(self, trie: marisa_trie.Trie) -> None:
        from spacy.tokens import Span
        from spacy.util import filter_spans

        self.matcher = TrieMatcher(trie)
        self._span, self._filter_spans = Span, filter_spans

    def __call__(self, doc: Doc) -> Doc:
        spans = [self._span(doc, s, e, label=GAZETTEER_KEY) for s, e in self.matcher.ranges([t.text for t in doc])]
        doc.spans[GAZETTEER_KEY] = self._filter_spans(spans)
        return doc


# -- the index file beside the KB ---------------------------------------------------

def index_fingerprint(kb_path: Path, kb_version: str, tokenizer_id: str) -> str:
    """What the index depends on: this KB file (replaced on every build), its version,
    the tokenizer that split the surfaces, and the index format."""
    st = Path(kb_path).stat()
    parts = (INDEX_FORMAT, kb_version, str(st.st_size), str(st.st_mtime_ns), str(st.st_ino), tokenizer_id)
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:16]


def _index_name(kb_path: Path, folder: Path, kind: str = "gazetteer") -> str:
    """``.kb.sqlite.gazetteer-`` beside the KB; in the shared temp folder the KB's path is
    in the name too, so two read-only KBs called kb.sqlite never remove each other's index."""
    kb_path = Path(kb_path).resolve()
    if folder == kb_path.parent:
        return f".{kb_path.name}.{kind}-"
    return f".{kb_path.name}-{hashlib.sha1(str(kb_path).encode()).hexdigest()[:10]}.{kind}-"


def index_locations(kb_path: Path) -> list[Path]:
    """Where an index may live: beside the KB, else (a read-only KB folder) a per-user temp folder."""
    return [Path(kb_path).resolve().parent, Path(tempfile.gettempdir()) / f"newslink-gazetteer-{os.getuid()}"]


def ensure_index(
    kb_path: Path,
    fingerprint: str,
    surfaces: Callable[[], Iterable[str]],
    tokenize: Tokenize,
) -> Path:
    """The gazetteer index file for ``fingerprint``, built first if no process has built it yet."""
    return ensure_trie(kb_path, "gazetteer", fingerprint, lambda: build_trie(pattern_keys(surfaces(), tokenize)))


def ensure_trie(kb_path: Path, kind: str, fingerprint: str, make: Callable[[], marisa_trie.Trie]) -> Path:
    """The ``kind`` trie file of the KB at ``kb_path`` for ``fingerprint`` (the gazetteer
    index; the linker's first names), made by ``make`` first if no process has made it yet.

    A lock file serialises builders (the workers of one job start together: one
    builds, the others wait and reuse it); the file is written under a temp name and
    renamed, so a reader never sees half an index. Indexes of older KBs are removed.
    """
    errors: list[str] = []
    for folder in index_locations(kb_path):
        name = _index_name(kb_path, folder, kind)
        path = folder / f"{name}{fingerprint}.marisa"
        if path.exists():
            return path
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / f"{name}lock", "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not path.exists():
                    _write_index(path, make())
                    _remove_stale(folder, name, keep=path)
            return path
        except OSError as exc:
            errors.append(f"{folder}: {exc}")
    raise OSError(f"cannot write the {kind} index of {kb_path} ({'; '.join(errors)})")


def _write_index(path: Path, trie: marisa_trie.Trie) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        trie.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_stale(folder: Path, name: str, keep: Path) -> None:
    for old in folder.glob(f"{name}*.marisa*"):
        if old != keep:
            old.unlink(missing_ok=True)


def open_index(path: Path) -> marisa_trie.Trie:
    """The index, memory-mapped: its pages are shared by every process that maps it."""
    trie = marisa_trie.Trie()
    trie.mmap(str(path))
    return trie
