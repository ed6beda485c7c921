"""Each name's candidates in the order the linker reads them, packed at build time.

``KnowledgeBase.candidates`` wants, for one normalised name, the strongest alias kind
first, the most popular entity within it, at most ``MAX_CANDIDATES``, each with the
entity's fields. Read from the ``aliases`` table that means every row of the name
joined to its entity and sorted: "Smith", the surname of ~12k people of a 10 M-item
Wikidata dump, cost tens of ms per first look-up (bench/kb_scale.py). A table of the
rows in that order still left a seek into ``entities`` and one into the names per
candidate: ~1 ms of CPU for a name with 100 namesakes. So the ``candidate_lists``
table holds one row per name: the list of its candidates, ranked, deduplicated and
cut as the reader would, each with the entity's fields (``CANDIDATE_FIELDS``), as one
JSON blob: a look-up is one index seek and one ``orjson.loads``, as spaCy's
KnowledgeBase keeps alias -> candidate arrays. The price is the entities' fields
written once per name they answer to: each list is deflated with a preset dictionary
(``candidate_dict``: candidates of entities sampled across the KB, so that the strings
every list repeats cost a back-reference), 0.27 of the JSON at 10 M generated items,
~1 µs to inflate (bench/README.md: KB size).

Written by one pass over ``aliases`` in its key order (grouped by name in Python, the
strongest ``limit`` of a group kept with a bounded heap), not by SQL sorting every alias
row: the sorter's buffers were the import's one memory step that grew with the KB
(bench/kb_scale.py, "memory flat"). A KB built without the table (or with a smaller
limit, ``meta.candidates_limit``) is read by joining ``aliases`` to ``entities``.
"""
from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter

import orjson

from .packed import WINDOW, packer
from .store import KIND_RANK_SQL, MAX_CANDIDATES

LISTS_SCHEMA = "CREATE TABLE candidate_lists (alias TEXT PRIMARY KEY, list BLOB NOT NULL) WITHOUT ROWID"
DICT_SCHEMA = "CREATE TABLE candidate_dict (dict BLOB NOT NULL)"
# Entities whose candidate rows make the preset dictionary (deflate reads its last 16 KiB).
DICT_SAMPLE = 200
# One candidate in a list, in this order (``store.KnowledgeBase._listed_candidates`` reads it):
# the alias kind as its index in ALIAS_KINDS, the Entity's fields, its own names sorted.
CANDIDATE_FIELDS = ("qid", "rank", "type", "label", "kind", "description", "popularity", "country", "admin1", "aliases")


def rank_candidates(db: sqlite3.Connection, limit: int = MAX_CANDIDATES) -> dict[str, str]:
    """Fill ``candidate_lists`` from the finished ``aliases`` and ``entities`` (after every
    popularity is final); the meta entries that tell readers it is there."""
    db.execute("DROP TABLE IF EXISTS candidate_lists")
    db.execute("DROP TABLE IF EXISTS candidate_dict")
    db.execute(LISTS_SCHEMA)
    db.execute(DICT_SCHEMA)
    zdict = dictionary(db)
    db.execute("INSERT INTO candidate_dict VALUES (?)", (zdict,))
    rank = KIND_RANK_SQL.format(kind="a.kind")
    # The aliases in their primary key's order (CROSS JOIN: no sorter), each with its entity.
    rows = db.execute(
        f"SELECT a.alias, {rank}, e.popularity, a.qid, e.type, e.label, e.kind, e.description, e.country, e.admin1, "
        "(SELECT json_group_array(s.surface) FROM aliases s WHERE s.qid = a.qid AND s.kind IN ('alias', 'demonym')) "
        "FROM aliases a CROSS JOIN entities e ON e.qid = a.qid ORDER BY a.alias"
    )
    db.executemany("INSERT INTO candidate_lists VALUES (?, ?)", candidate_lists(rows, limit, packer(zdict)))
    return {"candidates_limit": str(limit)}


def _order(row: tuple) -> tuple:
    """Strongest alias kind first, then the most popular, then the QID (a total order)."""
    return row[1], -row[2], row[3]


def dictionary(db: sqlite3.Connection) -> bytes:
    """Deflate's preset dictionary: the candidate rows of ``DICT_SAMPLE`` entities spread
    evenly over the KB's rowids (their types, kinds, words of labels and descriptions, the
    layout), after the field names (never empty)."""
    (top,) = db.execute("SELECT max(rowid) FROM entities").fetchone()
    sample = []
    for rowid in range(1, (top or 0) + 1, max(1, (top or 0) // DICT_SAMPLE)):
        row = db.execute("SELECT qid, 0, type, label, kind, description, popularity, country, admin1 FROM entities WHERE rowid = ?", (rowid,)).fetchone()
        if row:
            sample.append((*row, []))
    return (orjson.dumps(CANDIDATE_FIELDS) + orjson.dumps(sample))[-WINDOW:]


def candidate_lists(rows: Iterable[tuple], limit: int, pack: Callable[[bytes], bytes] = bytes) -> Iterator[tuple[str, bytes]]:
    """(alias, packed list) per name from rows grouped by alias: the first ``limit`` rows
    in the reader's order, each QID once (its first row: the strongest kind). Memory is
    ``limit`` rows whatever a name's size (``heapq.nsmallest`` over the group)."""
    for alias, group in groupby(rows, key=itemgetter(0)):
        seen: set[str] = set()
        listed = []
        for _alias, rank, popularity, qid, type_, label, kind, description, country, admin1, names in heapq.nsmallest(limit, group, key=_order):
            if qid in seen:
                continue
            seen.add(qid)
            own = sorted(set(json.loads(names))) if names != "[]" else []  # most entities have none
            listed.append((qid, rank, type_, label, kind, description, popularity, country, admin1, own))
        yield alias, pack(orjson.dumps(listed))
