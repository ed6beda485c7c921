"""Each name's candidates in the order the linker reads them, written at build time.

``KnowledgeBase.candidates`` wants, for one normalised name, the strongest alias kind
first, the most popular entity within it, at most ``MAX_CANDIDATES``. Read from the
``aliases`` table that means every row of the name joined to its entity's popularity and
sorted: "Smith", the surname of ~12k people of a 10 M-item Wikidata dump, cost up to
tens of ms per first look-up (bench/kb_scale.py). The ``candidates`` table holds the
same rows keyed in that order (alias, kind rank, popularity descending, QID), so one
index range read stops at the limit; only the first ``MAX_CANDIDATES`` of each name
are kept, as no reader asks for more. A partial index of the entities' own names
(``aliases_names``) lets the same query return each candidate's names. A KB built before it (or with a smaller limit,
``meta.candidates_limit``) is still read the old way.
"""
from __future__ import annotations

import sqlite3

from .store import KIND_RANK_SQL, MAX_CANDIDATES

CANDIDATES_SCHEMA = (
    "CREATE TABLE candidates (alias TEXT NOT NULL, rank INTEGER NOT NULL, popularity REAL NOT NULL, qid TEXT NOT NULL, "
    "PRIMARY KEY (alias, rank, popularity DESC, qid)) WITHOUT ROWID"
)


def rank_candidates(db: sqlite3.Connection, limit: int = MAX_CANDIDATES) -> dict[str, str]:
    """Fill ``candidates`` from the finished ``aliases`` and ``entities`` (after every
    popularity is final); the meta entries that tell readers it is there."""
    # Each candidate's own names (Entity.aliases) from a small covering index, not from a
    # seek into the large aliases table per name: most entities have none.
    db.execute("CREATE INDEX IF NOT EXISTS aliases_names ON aliases (qid, surface) WHERE kind IN ('alias', 'demonym')")
    db.execute("DROP TABLE IF EXISTS candidates")
    db.execute(CANDIDATES_SCHEMA)
    rank = KIND_RANK_SQL.format(kind="a.kind")
    # One sort of every alias row, emitted in the table's key order (cheap appends).
    db.execute(
        "INSERT INTO candidates SELECT alias, rank, popularity, qid FROM ("
        f" SELECT a.alias, {rank} AS rank, e.popularity, a.qid,"
        f"  row_number() OVER (PARTITION BY a.alias ORDER BY {rank}, e.popularity DESC, a.qid) AS n"
        " FROM aliases a JOIN entities e ON e.qid = a.qid) WHERE n <= ?",
        (limit,),
    )
    return {"candidates_limit": str(limit)}
