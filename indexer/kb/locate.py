"""Where an entity lies: the country (and admin-1 region) of the entities a build left without one.

The country roll-up (``indexer/rollup.py``) needs every place's country, and the curated
starter TSVs do not give one. The compiled open data does, by QID, for most of them; it
ships in the package even when its 100k entities are left out of the KB, so a build
without it still reads its ``country``/``admin1`` columns for the QIDs it holds (same
type only). Then ``kb_data/located/countries.tsv`` settles what the open data lacks or
gets wrong for curated places (a dr5hn slip put Irkutsk in Ukraine); it wins.
"""
from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from ..schema import is_qid
from .store import KBDataError
from .tsv import data_rows

LOCATED_COLUMNS = ("qid", "country", "label", "why")


def located_file() -> Path:
    return Path(str(resources.files("newslink.indexer") / "kb_data" / "located" / "countries.tsv"))


def read_located(path: Path | None = None) -> list[tuple[str, str]]:
    """(QID, country QID or '' for none) per line of the curated locations file."""
    path = path or located_file()
    out: list[tuple[str, str]] = []
    header = None
    with open(path, encoding="utf-8") as handle:
        for number, cells in data_rows(handle):
            if header is None:
                header = tuple(cells)
                if header != LOCATED_COLUMNS:
                    raise KBDataError(f"{path}:{number}: header must be {' '.join(LOCATED_COLUMNS)}")
                continue
            if len(cells) != len(LOCATED_COLUMNS):
                raise KBDataError(f"{path}:{number}: expected {len(LOCATED_COLUMNS)} columns, got {len(cells)}")
            qid, country = cells[0].strip(), cells[1].strip()
            if not is_qid(qid) or (country and not is_qid(country)):
                raise KBDataError(f"{path}:{number}: bad QID {qid if not is_qid(qid) else country!r}")
            out.append((qid, country))
    return out


def fill_locations(db: sqlite3.Connection, *, open_paths: Iterable[Path] = ()) -> int:
    """Fill empty ``country``/``admin1`` cells of ``db``'s entities from the compiled open
    tables at ``open_paths`` (by QID, same type; given when the build did not load them),
    then apply the curated locations file. Returns how many entities changed."""
    changed = 0
    open_paths = list(open_paths)
    if open_paths:
        # The entities without a country, in a temp table (on disk like the KB, not a dict
        # that grows with it: a Wikidata import leaves millions without one).
        db.executescript(
            "DROP TABLE IF EXISTS temp.need; CREATE TEMP TABLE need (qid TEXT PRIMARY KEY, type TEXT NOT NULL) WITHOUT ROWID;"
            "INSERT INTO temp.need SELECT qid, type FROM entities WHERE country = '';"
        )
        for path in open_paths:
            with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
                columns = handle.readline().rstrip("\n").split("\t")
                at = {name: columns.index(name) for name in ("type", "country", "admin1")}
                for line in handle:
                    cells = line.rstrip("\n").split("\t")
                    country, admin1 = cells[at["country"]], cells[at["admin1"]]
                    if not country:
                        continue
                    changed += db.execute(
                        "UPDATE entities SET country = ?, admin1 = CASE WHEN admin1 = '' THEN ? ELSE admin1 END "
                        "WHERE qid = ? AND type = ? AND EXISTS (SELECT 1 FROM temp.need n WHERE n.qid = ? AND n.type = ?)",
                        (country, admin1, cells[0], cells[at["type"]], cells[0], cells[at["type"]]),
                    ).rowcount
        db.executescript("DROP TABLE temp.need;")
    for qid, country in read_located():
        changed += db.execute("UPDATE entities SET country = ? WHERE qid = ? AND country != ?", (country, qid, country)).rowcount
    return changed
