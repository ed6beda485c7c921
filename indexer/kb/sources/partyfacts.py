"""Party Facts political parties (``partyfacts/wikidata.csv``).

Source: Party Facts (partyfacts.herokuapp.com), the export of parties linked to
Wikidata; MIT licence (``LICENSE.md``). ~4,100 parties, current and historical.

Kept per party: QID, ``name`` as label, ``name_short`` (abbreviation) and
``name_native`` as other names, the country (ISO alpha-3). Party Facts' own ids
are dropped.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ...schema import is_qid
from .archive import SourceError
from .model import SourceEntity

FILE = "partyfacts/wikidata.csv"
SOURCE = "partyfacts"
_COLUMNS = {"country", "wikidata_id", "name", "name_short", "name_native"}


def read(shared: Path) -> Iterator[SourceEntity]:
    path = Path(shared) / "kb-sources" / FILE
    try:
        handle = open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = _COLUMNS - set(reader.fieldnames or ())
        if missing:
            raise SourceError(f"{path}:1: missing columns {', '.join(sorted(missing))}")
        for number, row in enumerate(reader, start=2):
            qid = (row["wikidata_id"] or "").strip()
            name = (row["name"] or "").strip()
            if not is_qid(qid):
                raise SourceError(f"{path}:{number}: bad QID {qid!r}")
            if not name:
                continue
            # A one-letter abbreviation ("V", "C") would match any initial: not kept.
            names = [n.strip() for n in (row["name_short"], row["name_native"]) if n and len(n.strip()) > 1 and n.strip() != name]
            yield SourceEntity(qid, "org", "party", name, SOURCE, names=names, country_code=(row["country"] or "").strip())
