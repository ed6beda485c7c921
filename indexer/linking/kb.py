"""The knowledge base as the linker sees it: a small protocol, and an in-memory
implementation of it.

The linker only asks a KB four things (spaCy's ``KnowledgeBase.get_candidates``
is the model): the candidates of a surface form, an entity by QID, the KB's own
spellings of an alias, and every alias (for tables read off the whole KB).
``indexer.kb.KnowledgeBase`` (SQLite) satisfies it; ``MemoryKB`` does too, so a
test builds exactly the namesakes and decoys it needs, with no SQLite and no
spaCy, and derives aliases the way ``kb build`` does (labels, aliases, demonyms,
and the surnames of people).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from ..kb.build import EntityRecord, alias_rows
from ..kb.store import ALIAS_KINDS, Candidate, Entity
from ..normalize import normalize_alias


class KB(Protocol):
    def candidates(self, surface: str) -> list[Candidate]:
        """Every entity ``surface`` may name, strongest alias kind first."""
        ...

    def entity(self, qid: str) -> Entity | None: ...

    def alias_surfaces(self, surface: str) -> dict[str, set[str]]:
        """QID -> the KB's own spellings of the aliases ``surface`` normalises to."""
        ...

    def iter_aliases(
        self, kinds: tuple[str, ...] = ("label", "alias", "demonym"), *, types: tuple[str, ...] | None = None,
        entity_kinds: tuple[str, ...] | None = None,
    ) -> Iterable[tuple[str, str, str, str]]:
        """(surface, qid, type, alias kind) of every alias of those kinds (of entities of
        those types and entity kinds, when given)."""
        ...


def names_another_type(kb: KB, surface: str) -> bool:
    """Is ``surface`` the label, alias or demonym of something other than a person
    ("Jordan", "Washington")? Then a lone word is not taken for a person's surname."""
    return any(c.entity.type != "person" and c.alias_kind in ("label", "alias", "demonym") for c in kb.candidates(surface))


class MemoryKB:
    """A KB held in dicts: for tests and for small tables built on the fly."""

    def __init__(self, records: Iterable[EntityRecord] = ()) -> None:
        self._entities: dict[str, Entity] = {}
        self._rows: list[tuple[str, str, str, str]] = []  # (key, qid, kind, surface)
        self._by_key: dict[str, list[tuple[str, str, str]]] = {}
        self._seen: set[tuple[str, str, str]] = set()  # (key, qid, kind): the store's primary key
        for rec in records:
            self.add_record(rec)

    def add(
        self,
        qid: str,
        type_: str,
        label: str,
        *,
        kind: str = "",
        description: str = "",
        popularity: float = 0.0,
        aliases: Iterable[str] = (),
        demonyms: Iterable[str] = (),
        country: str = "",
        admin1: str = "",
    ) -> Entity:
        """Add one entity (keyword arguments as in the starter TSVs and the open data)."""
        rec = EntityRecord(
            qid=qid, type=type_, label=label, kind=kind, popularity=popularity, description=description,
            aliases=list(aliases), demonyms=list(demonyms), country=country, admin1=admin1,
        )
        return self.add_record(rec)

    def add_record(self, rec: EntityRecord) -> Entity:
        for key, qid, kind, surface in alias_rows(rec):
            if key and (key, qid, kind) not in self._seen:
                self._seen.add((key, qid, kind))
                self._rows.append((key, qid, kind, surface))
                self._by_key.setdefault(key, []).append((qid, kind, surface))
        aliases = tuple(sorted({s for k, q, kd, s in self._rows if q == rec.qid and kd in ("alias", "demonym")}))
        country = rec.country or (rec.qid if rec.type == "country" else "")  # a country is in itself, as in the store
        entity = Entity(rec.qid, rec.type, rec.label, rec.kind, rec.description, rec.popularity, aliases=aliases,
                        country=country, admin1=rec.admin1)
        self._entities[rec.qid] = entity
        return entity

    def entity(self, qid: str) -> Entity | None:
        return self._entities.get(qid)

    def candidates(self, surface: str) -> list[Candidate]:
        key = normalize_alias(surface)
        best: dict[str, str] = {}
        for qid, kind, _surface in self._by_key.get(key, []) if key else []:
            if qid not in best or ALIAS_KINDS.index(kind) < ALIAS_KINDS.index(best[qid]):
                best[qid] = kind
        found = [Candidate(self._entities[q], k) for q, k in best.items() if q in self._entities]
        found.sort(key=lambda c: (ALIAS_KINDS.index(c.alias_kind), -c.entity.popularity))
        return found

    def alias_surfaces(self, surface: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for qid, _kind, spelled in self._by_key.get(normalize_alias(surface), []):
            out.setdefault(qid, set()).add(spelled)
        return out

    def iter_aliases(
        self, kinds: tuple[str, ...] = ("label", "alias", "demonym"), *, types: tuple[str, ...] | None = None,
        entity_kinds: tuple[str, ...] | None = None,
    ) -> Iterator[tuple[str, str, str, str]]:
        for _key, qid, kind, surface in list(self._rows):
            e = self._entities.get(qid)
            if kind in kinds and e is not None and (types is None or e.type in types) and (entity_kinds is None or e.kind in entity_kinds):
                yield surface, qid, e.type, kind
