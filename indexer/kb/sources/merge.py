"""Merging the sources into one record per QID: types, names, country, prior, description.

Rules (FORMAT.md in ``indexer/kb_data`` documents them for users of the data):

* **One QID, one entity**: every source's names are unioned (the best source's
  name is the label); names with no Latin letter are dropped (newslink links
  English text).
* **Type** by precedence country > place > person > org: an NSI "operator" that
  a gazetteer knows as a town is the town, a country-coder territory that the
  reference lists as a country is a country.
* **Country** is a QID, from the source that knows it best (dr5hn, then
  country-coder, Natural Earth, the rest), with ISO codes resolved through
  dr5hn's reference table; where two sources disagree the report counts it.
  **Admin-1** comes from dr5hn's state of a city, else from Natural Earth's
  admin-1 name matched to dr5hn's first-level states of the same country.
* **Popularity** on the starter KB's 0-400 sitelink-like scale (see
  :func:`popularity`).
* **Descriptions** in Wikidata's style, which the linker reads a place's
  country and state off: "city in Illinois, United States", "state of United
  States", "political party in Germany", "brand (supermarket)".
* **The curated starter KB wins**: for a QID it holds, its label, type, kind,
  popularity and description are kept, and an open-data name is added only if
  no other starter entity already answers to it.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ...normalize import normalize_alias
from ..build import EntityRecord
from .model import SourceEntity
from .names import has_latin, names_agree
from .reference import CountryTable, State
from .words import is_common_word

TYPE_ORDER = ("country", "place", "person", "org")
# Whose label a place takes: a state's own row, Natural Earth's English name, then the rest.
_LABEL_ORDER = {"dr5hn-state": 0, "country-coder": 1, "natural-earth": 2, "dr5hn": 3, "partyfacts": 4, "congress": 5, "nsi": 6}
_COUNTRY_ORDER = {"dr5hn": 0, "dr5hn-state": 0, "country-coder": 1, "natural-earth": 2}
# Priors of entities the sources give no figure for, on the sitelink-like scale.
BASE_PRIOR = {
    "country": 150, "territory": 60, "region": 80, "capital": 100, "admin1_capital": 20, "city": 5,
    "state_level1": 30, "state_level2": 15, "party": 10, "us_senator": 40, "us_representative": 15,
    "head_of_state": 150, "vice_president": 80,
}
MAX_OPEN_PRIOR = 250.0  # an open-data entity never outranks the curated countries (270-360)
_CITY_KINDS = ("city", "capital", "admin1_capital")


def population_prior(population: int) -> float:
    """Sitelink-like prior from a population: 12 at 1,000 people, doubling every
    tenfold (24 at 10k, 48 at 100k, 96 at 1M, 192 at 10M). Sitelink counts of
    Wikidata places grow about that way with size, and the linker takes
    log1p(popularity), so this is linear in log(population) there."""
    if population <= 0:
        return 0.0
    return 12.0 * (population / 1000.0) ** math.log10(2)


def popularity(ent: SourceEntity, level: str = "") -> float:
    """max(population prior, the source's rank prior, a base prior by kind), capped at 250."""
    base = BASE_PRIOR.get(level or ent.kind, BASE_PRIOR.get(ent.type, 5))
    return round(min(MAX_OPEN_PRIOR, max(population_prior(ent.population), ent.rank_prior, base)), 1)


@dataclass
class Report:
    """What the merge saw: counts, and where sources disagreed (first examples kept)."""

    by_source: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    type_conflicts: Counter = field(default_factory=Counter)
    country_conflicts: int = 0
    admin1_conflicts: int = 0
    starter_kept: int = 0
    starter_disagreements: int = 0
    name_disagreements: int = 0
    starter_aliases_added: int = 0
    starter_aliases_clashing: int = 0
    country_qid_disagreements: list[str] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def example(self, what: str, text: str) -> None:
        if len(self.examples[what]) < 10:
            self.examples[what].append(text)

    def to_dict(self) -> dict:
        return {
            "by_source": dict(sorted(self.by_source.items())),
            "by_type": dict(sorted(self.by_type.items())),
            "type_conflicts": {f"{a}>{b}": n for (a, b), n in sorted(self.type_conflicts.items())},
            "country_conflicts": self.country_conflicts,
            "admin1_conflicts": self.admin1_conflicts,
            "starter_kept": self.starter_kept,
            "starter_disagreements": self.starter_disagreements,
            "name_disagreements": self.name_disagreements,
            "starter_aliases_added": self.starter_aliases_added,
            "starter_aliases_clashing": self.starter_aliases_clashing,
            "country_qid_disagreements": self.country_qid_disagreements,
            "examples": dict(self.examples),
        }


def check_country_qids(table: CountryTable, coder: Iterable[SourceEntity], starter: dict[str, EntityRecord], report: Report) -> None:
    """Cross-check country QIDs: dr5hn's reference vs country-coder (same ISO code) and the starter KB."""
    for ent in coder:
        if ent.type != "country":
            continue
        ref = table.get(ent.country_code)
        if ref is not None and ref.qid != ent.qid:
            report.country_qid_disagreements.append(f"{ent.country_code}: reference {ref.qid} ({ref.name}), country-coder {ent.qid} ({ent.label})")
    for ref in table.by_iso2.values():
        rec = starter.get(ref.qid)
        if rec is not None and rec.type not in ("country", "place"):
            report.country_qid_disagreements.append(f"{ref.iso2}: reference {ref.qid} is a {rec.type} in the starter KB ({rec.label})")


class Merger:
    def __init__(self, table: CountryTable, states: dict[int, State], starter: Iterable[EntityRecord]) -> None:
        self.table = table
        self.report = Report()
        self.starter = {r.qid: r for r in starter}
        self.starter_keys: dict[str, set[str]] = defaultdict(set)
        for rec in self.starter.values():
            for name in [rec.label, *rec.aliases, *rec.demonyms]:
                self.starter_keys[normalize_alias(name)].add(rec.qid)
        # (country QID, normalised name) -> first-level state QID, for Natural Earth's ADM1NAME.
        self.admin1_by_name: dict[tuple[str, str], str] = {}
        self.us_states: dict[str, str] = {}
        for st in states.values():
            if st.qid and not st.parent_id:
                country = table.qid(st.country_code)
                self.admin1_by_name.setdefault((country, normalize_alias(st.name)), st.qid)
                if st.country_code == "US" and st.code:
                    self.us_states[st.code] = st.name
        self.labels: dict[str, str] = {}

    # ------------------------------------------------------------------ grouping
    def merge(self, entities: Iterable[SourceEntity]) -> list[EntityRecord]:
        groups: dict[str, list[SourceEntity]] = defaultdict(list)
        for ent in entities:
            self.report.by_source[ent.source] += 1
            groups[ent.qid].append(ent)
        chosen: dict[str, tuple[list[SourceEntity], str]] = {}
        for qid, group in groups.items():
            type_ = min((e.type for e in group), key=TYPE_ORDER.index)
            for e in group:
                if e.type != type_:
                    self.report.type_conflicts[(type_, e.type)] += 1
                    self.report.example(f"type {type_}>{e.type}", f"{qid} {e.label} ({e.source})")
            kept = sorted((e for e in group if e.type == type_), key=self._label_rank)
            chosen[qid] = (kept, type_)
            self.labels[qid] = self.starter[qid].label if qid in self.starter else kept[0].label
        for rec in self.starter.values():
            self.labels.setdefault(rec.qid, rec.label)
        out = [r for qid, (group, type_) in chosen.items() if (r := self._record(qid, group, type_)) is not None]
        out.sort(key=lambda r: (r.type, int(r.qid[1:])))
        for rec in out:
            self.report.by_type[rec.type] += 1
        return out

    @staticmethod
    def _label_rank(e: SourceEntity) -> int:
        key = "dr5hn-state" if e.source == "dr5hn" and e.type == "place" and e.kind != "city" else e.source
        return _LABEL_ORDER.get(key, 9)

    # ------------------------------------------------------------------ one entity
    def _country(self, qid: str, group: list[SourceEntity], type_: str) -> str:
        if type_ == "country":
            return qid
        found = []
        for e in sorted(group, key=lambda e: _COUNTRY_ORDER.get(e.source, 9)):
            c = e.country or self.table.qid(e.country_code)
            if c:
                found.append(c)
        if len(set(found)) > 1:
            self.report.country_conflicts += 1
            self.report.example("country", f"{qid} {group[0].label}: {sorted(set(found))}")
        return found[0] if found else ""

    def _admin1(self, qid: str, group: list[SourceEntity], country: str) -> str:
        found = [e.admin1 for e in group if e.admin1]
        for e in group:
            if not e.admin1 and e.admin1_name and e.source == "natural-earth":
                a1 = self.admin1_by_name.get((country, normalize_alias(e.admin1_name)))
                if a1:
                    found.append(a1)
        if len(set(found)) > 1:
            self.report.admin1_conflicts += 1
            self.report.example("admin1", f"{qid} {group[0].label}: {sorted(set(found))}")
        return next((a for a in found if a != qid), "")

    def _kind(self, group: list[SourceEntity]) -> str:
        kinds = [e.kind for e in group]
        for special in ("capital", "admin1_capital"):
            if special in kinds:
                return special
        return kinds[0]

    def _record(self, qid: str, group: list[SourceEntity], type_: str) -> EntityRecord | None:
        starter = self.starter.get(qid)
        group = self._consistent(qid, group)
        if not group:
            return None
        named = group
        if starter is not None:
            group, named = self._agreeing(starter, group)
            if not group:
                return None
            type_ = group[0].type
        best = group[0]
        country = self._country(qid, group, type_)
        admin1 = self._admin1(qid, group, country) if type_ == "place" else ""
        kind = self._kind(group)
        level = ""
        if best.source == "dr5hn" and type_ == "place" and best.kind != "city":
            level = f"state_level{best.extra.get('state_level', '1')}"
        merged = SourceEntity(qid, type_, kind, best.label, best.source,
                              population=max(e.population for e in group),
                              rank_prior=max(e.rank_prior for e in group))
        names = [n for e in named for n in [e.label, *e.names]]
        if best.source == "nsi" and any(is_common_word(n) for n in names):
            kind = "brand_common_word"
        rec = EntityRecord(
            qid=qid, type=type_, label=best.label, kind=kind,
            popularity=popularity(merged, level),
            description=self._description(qid, group, type_, kind, country, admin1, bool(level == "state_level2")),
            aliases=self._names(best.label, [n for n in names if not self._names_its_region(n, country, admin1)]),
            origin="open", country=country, admin1=admin1,
        )
        return self._starter_wins(rec, names) if starter is not None else rec

    def _consistent(self, qid: str, group: list[SourceEntity]) -> list[SourceEntity]:
        """Drop dr5hn city rows that name another thing than the QID's other records.

        dr5hn gives one QID to several cities often enough ("Wilmington" and
        "Winchester", Ohio; "Lent", "Lentigny", "Lens"): a slip of its join. Where
        another record anchors the QID (Natural Earth's place, the dr5hn state of
        that QID, the curated KB's entry) rows naming something else are dropped;
        where only disagreeing dr5hn rows hold it, nothing tells which is right and
        the QID is dropped whole. Other sources' names stand (renames and
        translations differ more than a slip could be told from).
        """
        rows = [e for e in group if e.source == "dr5hn" and e.kind == "city"]
        if not rows:
            return group
        anchor_names: list[str] = []
        starter = self.starter.get(qid)
        if starter is not None:
            anchor_names = [starter.label, *starter.aliases]
        elif len(rows) < len(group):
            anchor = next(e for e in group if e not in rows)
            anchor_names = [anchor.label, *anchor.names]
        elif len(rows) > 1:
            first = rows[0]
            if not all(names_agree([first.label], [e.label]) for e in rows[1:]):
                self.report.name_disagreements += len(rows)
                self.report.example("dr5hn rows disagree", f"{qid}: {sorted({e.label for e in rows})[:5]}")
                return []
            return group
        else:
            return group
        kept = [e for e in group if e not in rows or names_agree(anchor_names, [e.label, *e.names])]
        for e in group:
            if e not in kept:
                self.report.name_disagreements += 1
                self.report.example("name disagreement", f"{qid} {anchor_names[0]!r}: {e.source} says {e.label!r}")
        return kept

    def _agreeing(self, starter: EntityRecord, group: list[SourceEntity]) -> tuple[list[SourceEntity], list[SourceEntity]]:
        """The records of a starter QID that may say where it is, and those whose names
        may be added to it.

        Where: records of a compatible type (country and place are one kind of
        thing); a dr5hn city row only if it also names the entity (city rows are
        where dr5hn's QID slips are), while its state and country rows carry QIDs
        from the reference and count even under another spelling ("Zaporizka" for
        Zaporizhzhia Oblast). Names: only records with a name in common with the
        curated entry (countries: all, their QIDs come from ISO-code tables) — a
        dr5hn row that gives London's QID to "Londonderry County Borough" adds
        nothing to London.
        """
        geo = ("country", "place")
        located, named = [], []
        for e in group:
            compatible = e.type == starter.type or (e.type in geo and starter.type in geo)
            agrees = (e.type == starter.type == "country") or names_agree([starter.label, *starter.aliases], [e.label, *e.names])
            if compatible and agrees:
                named.append(e)
            else:
                self.report.starter_disagreements += 1
                self.report.example("starter disagreement", f"{starter.qid} {starter.label} ({starter.type}): {e.source} says {e.label!r} ({e.type})")
            if compatible and (agrees or not (e.source == "dr5hn" and e.kind == "city")):
                located.append(e)
        return located, named

    def _names_its_region(self, name: str, country: str, admin1: str) -> bool:
        """Natural Earth's other names of a Chinese city include its province
        ("Hebei" for Tangshan): the region's name is the region's, not a second
        name of a city in it (a city named like its region keeps its own label)."""
        if not admin1:
            return False
        key = normalize_alias(name)
        return key == normalize_alias(self.labels.get(admin1, "")) or self.admin1_by_name.get((country, key)) == admin1

    @staticmethod
    def _names(label: str, names: list[str]) -> list[str]:
        keys = {normalize_alias(label)}
        out = []
        for name in names:
            key = normalize_alias(name)
            if key and key not in keys and has_latin(name):
                keys.add(key)
                out.append(name)
        return out

    def _where(self, admin1: str, country: str) -> str:
        parts = [self.labels.get(q, "") for q in (admin1, country) if q]
        return ", ".join(p for p in parts if p)

    def _description(self, qid: str, group: list[SourceEntity], type_: str, kind: str, country: str, admin1: str, sub: bool) -> str:
        best = group[0]
        where = self._where(admin1, country)
        of_country = self.labels.get(country, "")
        if type_ == "country":
            return "country"
        if type_ == "place":
            if kind == "capital":
                return f"capital city of {of_country}" if of_country else "capital city"
            if kind in _CITY_KINDS:
                return f"city in {where}" if where else "city"
            if kind == "region" and not country:
                return "region of the world"
            word = kind.replace("_", " ")
            if sub and where:
                return f"{word} in {where}"
            return f"{word} of {of_country}" if of_country else word
        if type_ == "person":
            extra = best.extra
            state = self.us_states.get(extra.get("state", ""), "")
            party = f" ({extra['party']})" if extra.get("party") else ""
            if kind == "us_senator":
                return f"American politician, United States senator from {state}{party}" if state else f"American politician{party}"
            if kind == "us_representative":
                return f"American politician, United States representative from {state}{party}" if state else f"American politician{party}"
            if kind == "head_of_state":
                return "president of the United States"
            if kind == "vice_president":
                return "vice president of the United States"
            return "American politician"
        if kind == "party":
            return f"political party in {of_country}" if of_country else "political party"
        if best.source == "nsi":
            group_word = {"brand": "brand", "operator": "operator", "network": "transit network"}[best.extra.get("group", "brand")]
            tail = f"{group_word} ({best.category})"
            return f"{best.description}; {tail}" if best.description else tail
        return best.description

    def _starter_wins(self, rec: EntityRecord, names: list[str]) -> EntityRecord:
        """The curated entry keeps label, type, kind, prior, description; ``names`` (of
        the records that agree with it) are added where no other starter entity
        answers to them."""
        cur = self.starter[rec.qid]
        self.report.starter_kept += 1
        own = {normalize_alias(n) for n in [cur.label, *cur.aliases, *cur.demonyms]}
        added = []
        for name in names:
            key = normalize_alias(name)
            if not key or key in own or not has_latin(name):
                continue
            if self.starter_keys.get(key, set()) - {rec.qid}:
                self.report.starter_aliases_clashing += 1
                self.report.example("starter alias clash", f"{rec.qid} {cur.label}: {name!r}")
                continue
            own.add(key)
            added.append(name)
        self.report.starter_aliases_added += len(added)
        return EntityRecord(qid=cur.qid, type=cur.type, label=cur.label, kind=cur.kind, popularity=cur.popularity,
                            description=cur.description, aliases=added, origin="open",
                            country=cur.qid if cur.type == "country" else rec.country,
                            admin1=rec.admin1 if cur.type == "place" else "")
