"""``newslink kb build``: which sources go into a KB, in one call.

The CLI only parses options and shows progress; choosing between the starter KB,
a Wikidata dump and the SPARQL service, reading extra class lists and merging
the online cache happen here, so a script or a test builds a KB the same way the
command does.
"""
from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any

from .build import build_kb, kb_sources, shipped_open, starter_records
from .entities import CLASSES, read_classes
from .online import cached_online_records


def build_starter(target: Path, shipped: list[str] | None = None) -> dict[str, Any]:
    """The starter KB (plus the compiled open data if ``shipped`` or
    ``$NEWSLINK_KB_SOURCES`` asks for it) plus whatever `--online` look-ups cached next to it."""
    shipped = kb_sources() if shipped is None else shipped
    cached = list(cached_online_records(Path(target)))
    sources = [*shipped, "online-cache"] if cached else shipped
    return build_kb(Path(target), chain(starter_records(), cached, shipped_open(shipped)), sources=sources)


def build(
    target: Path,
    *,
    dump: str | Path | None = None,
    sparql: bool = False,
    classes_file: str | Path | None = None,
    expand_classes: bool = False,
    min_sitelinks: int | None = None,
    limit: int | None = None,
    restart: bool = False,
    shipped: list[str] | None = None,
    on_dump_bytes: Callable[[int], None] | None = None,
    on_sparql_entities: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Build the KB at ``target`` from the starter data and at most one Wikidata
    source. ``on_dump_bytes`` gets the bytes read since the last call (for a
    progress bar), ``on_sparql_entities`` the entities fetched since the last call.
    ``shipped`` names the shipped data to include (``["starter", "open"]``; default
    :func:`kb_sources`, i.e. ``$NEWSLINK_KB_SOURCES`` or all of it).
    Raises ``ValueError`` for a bad combination, class file or source name, ``KBDataError`` for
    bad starter data, ``WikidataError`` when Wikidata fails (rerun to resume)."""
    if dump and sparql:
        raise ValueError("--dump and --sparql are alternatives")
    shipped = kb_sources(shipped)
    if not (dump or sparql):
        return build_starter(target, shipped)
    classes = dict(CLASSES)
    if classes_file:
        classes.update(read_classes(classes_file))
    if dump:
        from .wikidata import build_from_dump

        done = [0]

        def dump_progress(read: int, _total: int, _kept: int) -> None:
            if on_dump_bytes is not None:
                on_dump_bytes(max(0, read - done[0]))
            done[0] = read

        return build_from_dump(
            target, dump, classes=classes, expand_classes=expand_classes,
            min_sitelinks=min_sitelinks or 0, resume=not restart, progress=dump_progress, shipped=shipped,
        )
    from .sparql import SparqlImport

    seen: dict[str, int] = {}

    def page_progress(type_: str, count: int) -> None:
        if on_sparql_entities is not None:
            on_sparql_entities(count - seen.get(type_, 0))
        seen[type_] = count

    return SparqlImport(target, classes=classes, min_sitelinks=min_sitelinks, limit=limit, resume=not restart, shipped=shipped).run(page_progress)
