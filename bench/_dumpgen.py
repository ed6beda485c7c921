"""A generated Wikidata JSON dump for the scale bench (``bench/kb_scale.py``).

The layout is the real dump's (``[\\n{entity},\\n…\\n]``, one entity per line, compact
JSON) and each entity has the shape of the items in ``../shared/wikidata-fixtures/``:
``labels``/``descriptions``/``aliases`` keyed by language, ``claims`` of statements with
``mainsnak``/``datavalue``/``rank``/``references``, ``sitelinks`` keyed by wiki. Fresh
QIDs (from Q700,000,001: above every real one) so no generated item is a real entity.

The mix follows the real dump's: ~10 % humans, ~5 % places, ~2.5 % organisations,
0.1 % weapon models (what the importer keeps), and the far larger rest it skips
(scholarly articles, taxa, categories, disambiguation pages, genes, stars, films…),
a few items with no P31 and a few properties. Sitelinks are heavy-tailed (most
items have none). Names collide as real ones do: first names and surnames drawn by
Zipf weights from the US Census lists newslink ships, half the surnames from a
long tail of made-up ones; place names from a few thousand stems; and a small share
of people, places and organisations carry the exact name of an entity in the shipped
KB (minor namesakes of famous people, the many Springfields).

Nothing here is imported by the product.
"""
from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from importlib import resources
from typing import Any

GENERATOR_VERSION = "2"  # 2: generated in chunks (own seed and QID range each), one bz2 stream per chunk
FIRST_QID = 700_000_001
CHUNK_ITEMS = 100_000  # items per chunk: the unit of parallel generation
CHUNK_QIDS = 4 * CHUNK_ITEMS  # QID range per chunk (the ids advance by 2.5 per item on average, 7 at most)

LANGS = ("en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "ru", "ja", "zh", "ar", "uk", "ca", "cs")
WIKIS = tuple(f"{l}wiki" for l in LANGS) + ("cebwiki", "commonswiki", "enwikiquote", "dewikisource", "frwikinews")
COUNTRIES = ("Q30", "Q145", "Q183", "Q142", "Q38", "Q29", "Q17", "Q148", "Q159", "Q668", "Q155", "Q16", "Q408", "Q96", "Q801", "Q794", "Q43", "Q212")
NATIONALITY = ("American", "British", "German", "French", "Italian", "Spanish", "Japanese", "Chinese", "Russian", "Indian",
               "Brazilian", "Canadian", "Australian", "Mexican", "Israeli", "Iranian", "Turkish", "Ukrainian")
OCCUPATIONS = (("politician", "Q82955"), ("footballer", "Q937857"), ("actor", "Q33999"), ("writer", "Q36180"),
               ("painter", "Q1028181"), ("journalist", "Q1930187"), ("lawyer", "Q40348"), ("physician", "Q39631"),
               ("businessperson", "Q43845"), ("singer", "Q177220"), ("researcher", "Q1650915"), ("military officer", "Q189290"))
SYLLABLES = ("ka", "lo", "ber", "ten", "mar", "vik", "so", "ran", "del", "ul", "gri", "mon", "sa", "tor", "li", "ven", "ach",
             "es", "bo", "rin", "ha", "zel", "cor", "an", "mi", "dus", "pe", "len", "o", "sch", "wa", "ny", "rez", "qu", "ell", "ti")
PLACE_HEADS = ("Spring", "Green", "Oak", "River", "Lake", "Mill", "Fair", "Red", "Stone", "Wood", "Ash", "North", "South",
               "East", "West", "Maple", "Pine", "Clear", "Bright", "Rock", "Bay", "Brook", "Elm", "Glen", "High", "Kings",
               "Long", "Mount", "New", "Old", "Port", "Rose", "Silver", "Sun", "White", "Black", "Cedar", "Cold", "Deer")
PLACE_TAILS = ("field", "ville", "ton", "burg", "wood", "dale", "ford", "port", "view", "hill", "land", "mont", "haven",
               "bridge", "stead", "wick", "by", "thorpe", "ham", "bury", "chester", "mouth", "side", "vale", "well")
ORG_TAILS = ("Group", "Holdings", "Bank", "Airlines", "Energy", "Motors", "Party", "University", "Institute", "Foundation",
             "Media", "Systems", "Pharmaceuticals", "Corporation", "Association", "Union", "Council", "Front")
WEAPON_TAILS = ("missile", "rifle", "tank", "drone", "howitzer", "fighter", "helicopter", "submarine")

# P31 class, share of all items, what it is. The kept ones are in indexer/kb/entities.py's CLASSES.
KEPT = (
    ("Q5", 0.100, "human"),
    ("Q486972", 0.030, "place"), ("Q532", 0.012, "place"), ("Q515", 0.004, "place"), ("Q3957", 0.004, "place"),
    ("Q4830453", 0.012, "org"), ("Q43229", 0.006, "org"), ("Q7278", 0.002, "org"), ("Q3918", 0.003, "org"),
    ("Q163740", 0.002, "org"),
    ("Q15142894", 0.001, "weapon"),
)
SKIPPED = (
    ("Q13442814", 0.40, "article"), ("Q16521", 0.06, "taxon"), ("Q4167836", 0.07, "category"),
    ("Q4167410", 0.02, "disambiguation"), ("Q7187", 0.03, "gene"), ("Q8054", 0.03, "protein"), ("Q523", 0.05, "star"),
    ("Q3305213", 0.01, "painting"), ("Q79007", 0.02, "street"), ("Q101352", 0.005, "family name"),
    ("Q202444", 0.003, "given name"), ("Q11424", 0.01, "film"), ("Q482994", 0.01, "album"), ("Q13406463", 0.02, "list"),
    ("Q17633526", 0.01, "news article"), ("Q7725634", 0.01, "literary work"), ("Q318", 0.01, "galaxy"),
    (None, 0.02, "no P31"),
)


def _zipf(names: list[str], s: float = 1.0) -> tuple[list[str], list[float]]:
    return names, list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(len(names))))


def _census() -> tuple[list[str], list[str]]:
    given: list[tuple[int, str]] = []
    surnames: list[tuple[int, str]] = []
    path = resources.files("newslink.indexer") / "kb_data" / "names" / "common_names.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, name, rank = line.split("\t")
            (given if kind == "given" else surnames).append((int(rank), name.title()))
    return [n for _r, n in sorted(given)], [n for _r, n in sorted(surnames)]


def _shipped_names() -> dict[str, list[str]]:
    """Labels of the shipped KB's entities per type (their generated namesakes)."""
    from newslink.indexer.kb.build import starter_records

    out: dict[str, list[str]] = {"person": [], "place": [], "org": []}
    for rec in starter_records():
        if rec.type in out:
            out[rec.type].append(rec.label)
        elif rec.type == "country":
            out["place"].append(rec.label)
    return out


class DumpGenerator:
    """Entities one by one, reproducible from ``seed``."""

    def __init__(self, seed: int | str = 16, first_qid: int = FIRST_QID) -> None:
        self.rng = random.Random(seed)
        given, surnames = _census()
        self.given = _zipf(given, 0.6)
        self.surnames = _zipf(surnames, 0.6)
        self.shipped = _shipped_names()
        self.places = _zipf([h + t for h in PLACE_HEADS for t in PLACE_TAILS], 0.3)
        classes = KEPT + SKIPPED
        self.classes = [(qid, what) for qid, _share, what in classes]
        self.class_weights = list(itertools.accumulate(share for _q, share, _w in classes))
        self.qid = first_qid
        self.statement = 0

    # -- names -------------------------------------------------------------------
    def _pick(self, table: tuple[list[str], list[float]]) -> str:
        names, cum = table
        return self.rng.choices(names, cum_weights=cum)[0]

    def _made_up(self, syllables: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(syllables)).title()

    def person_name(self) -> tuple[str, list[str]]:
        r = self.rng.random()
        if r < 0.01 and self.shipped["person"]:
            return self.rng.choice(self.shipped["person"]), []
        first = self._pick(self.given) if r < 0.85 else self._made_up(2)
        last = self._pick(self.surnames) if self.rng.random() < 0.5 else self._made_up(self.rng.choice((2, 3)))
        aliases: list[str] = []
        if self.rng.random() < 0.1:
            middle = self._pick(self.given)
            label = f"{first} {middle[0]}. {last}"
            aliases.append(f"{first} {middle} {last}")
        else:
            label = f"{first} {last}"
        if self.rng.random() < 0.2:
            aliases.append(f"{first[0]}. {last}")
        if self.rng.random() < 0.05:
            aliases.append(f"{self._made_up(2)} {last}")
        return label, aliases

    def place_name(self) -> tuple[str, list[str]]:
        r = self.rng.random()
        if r < 0.05 and self.shipped["place"]:
            return self.rng.choice(self.shipped["place"]), []
        if r < 0.4:
            name = self._pick(self.places)
        else:
            name = self._made_up(self.rng.choice((2, 3, 3, 4)))
        aliases = [f"{name} {self.rng.choice(('Township', 'Village', 'City'))}"] if self.rng.random() < 0.1 else []
        return name, aliases

    def org_name(self) -> tuple[str, list[str]]:
        if self.rng.random() < 0.01 and self.shipped["org"]:
            return self.rng.choice(self.shipped["org"]), []
        stem = self._pick(self.surnames) if self.rng.random() < 0.4 else self._made_up(self.rng.choice((2, 3)))
        name = f"{stem} {self.rng.choice(ORG_TAILS)}"
        aliases = ["".join(w[0] for w in name.split()).upper() + self._made_up(1).upper()] if self.rng.random() < 0.2 else []
        return name, aliases

    # -- pieces of an entity -------------------------------------------------------
    def _sitelinks(self, label: str, kept: bool) -> dict[str, Any]:
        if not kept or self.rng.random() < 0.55:
            n = 0 if self.rng.random() < 0.9 else 1
        else:
            n = min(len(WIKIS), int(self.rng.paretovariate(1.1)))
        wikis = self.rng.sample(WIKIS, n)
        return {w: {"site": w, "title": label, "badges": []} for w in wikis}

    def _terms(self, label: str, langs: int, description: str, aliases: list[str]) -> dict[str, Any]:
        chosen = ["en", *self.rng.sample(LANGS[1:], max(0, langs - 1))] if self.rng.random() < 0.9 else self.rng.sample(LANGS[1:], max(1, langs))
        out: dict[str, Any] = {
            "labels": {l: {"language": l, "value": label} for l in chosen},
            "descriptions": {"en": {"language": "en", "value": description}} if description else {},
            "aliases": {"en": [{"language": "en", "value": a} for a in aliases]} if aliases else {},
        }
        if "de" in chosen and description:
            out["descriptions"]["de"] = {"language": "de", "value": description.lower()}
        return out

    def _statement(self, qid: str, prop: str, value: Any, vtype: str, datatype: str, referenced: bool) -> dict[str, Any]:
        self.statement += 1
        st: dict[str, Any] = {
            "mainsnak": {"snaktype": "value", "property": prop, "datavalue": {"value": value, "type": vtype}, "datatype": datatype},
            "type": "statement", "id": f"{qid}${self.statement:08X}-5A1E-4C3B-9D2F-{self.rng.getrandbits(48):012X}", "rank": "normal",
        }
        if referenced:
            st["references"] = [{"hash": f"{self.rng.getrandbits(160):040x}", "snaks": {
                "P248": [{"snaktype": "value", "property": "P248", "datavalue": {"value": {"entity-type": "item", "numeric-id": 54919, "id": "Q54919"}, "type": "wikibase-entityid"}, "datatype": "wikibase-item"}],
                "P813": [{"snaktype": "value", "property": "P813", "datavalue": {"value": {"time": "+2024-03-01T00:00:00Z", "timezone": 0, "before": 0, "after": 0, "precision": 11, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}, "type": "time"}, "datatype": "time"}]},
                "snaks-order": ["P248", "P813"]}]
        return st

    def _item_claim(self, qid: str, prop: str, target: str, referenced: bool = False) -> dict[str, Any]:
        value = {"entity-type": "item", "numeric-id": int(target[1:]), "id": target}
        return self._statement(qid, prop, value, "wikibase-entityid", "wikibase-item", referenced)

    def _time_claim(self, qid: str, prop: str, year: int) -> dict[str, Any]:
        value = {"time": f"+{year}-01-01T00:00:00Z", "timezone": 0, "before": 0, "after": 0, "precision": 9,
                 "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}
        return self._statement(qid, prop, value, "time", "time", self.rng.random() < 0.3)

    def _string_claim(self, qid: str, prop: str, text: str, datatype: str = "external-id") -> dict[str, Any]:
        return self._statement(qid, prop, text, "string", datatype, False)

    def _coordinates(self, qid: str) -> dict[str, Any]:
        value = {"latitude": round(self.rng.uniform(-60, 70), 6), "longitude": round(self.rng.uniform(-180, 180), 6),
                 "altitude": None, "precision": 0.0001, "globe": "http://www.wikidata.org/entity/Q2"}
        return self._statement(qid, "P625", value, "globecoordinate", "globe-coordinate", self.rng.random() < 0.5)

    # -- one entity ---------------------------------------------------------------------
    def entity(self) -> dict[str, Any]:
        self.qid += self.rng.choice((1, 1, 1, 2, 3, 7))
        qid = f"Q{self.qid}"
        if self.rng.random() < 0.0005:
            return {"type": "property", "datatype": "external-id", "id": f"P{self.qid - FIRST_QID + 20000}",
                    "labels": {"en": {"language": "en", "value": f"{self._made_up(3)} ID"}}, "descriptions": {}, "aliases": {}, "claims": {}}
        cls, what = self.rng.choices(self.classes, cum_weights=self.class_weights)[0]
        claims: dict[str, list[dict[str, Any]]] = {}
        if cls is not None:
            claims["P31"] = [self._item_claim(qid, "P31", cls, self.rng.random() < 0.4)]
        country = self.rng.choice(COUNTRIES)
        kept = what in ("human", "place", "org", "weapon")
        if what == "human":
            label, aliases = self.person_name()
            occupation, occ_qid = self.rng.choice(OCCUPATIONS)
            born = self.rng.randint(1700, 2005)
            description = f"{self.rng.choice(NATIONALITY)} {occupation}" + (f" (born {born})" if self.rng.random() < 0.3 else "")
            claims["P21"] = [self._item_claim(qid, "P21", self.rng.choice(("Q6581097", "Q6581072")))]
            claims["P27"] = [self._item_claim(qid, "P27", country, True)]
            claims["P106"] = [self._item_claim(qid, "P106", occ_qid, True)]
            claims["P569"] = [self._time_claim(qid, "P569", born)]
            claims["P214"] = [self._string_claim(qid, "P214", str(self.rng.getrandbits(40)))]
            langs = self.rng.choice((1, 1, 2, 3, 5, 8))
        elif what == "place":
            label, aliases = self.place_name()
            description = f"{self.rng.choice(('village', 'town', 'human settlement', 'city'))} in {self.rng.choice(NATIONALITY)} territory"
            claims["P17"] = [self._item_claim(qid, "P17", country, True)]
            claims["P625"] = [self._coordinates(qid)]
            claims["P131"] = [self._item_claim(qid, "P131", f"Q{self.rng.randint(1000, 9_000_000)}")]
            langs = self.rng.choice((1, 2, 4, 8, 12))
        elif what == "org":
            label, aliases = self.org_name()
            description = f"{self.rng.choice(NATIONALITY)} {self.rng.choice(('company', 'organization', 'political party', 'university'))}"
            claims["P17"] = [self._item_claim(qid, "P17", country)]
            claims["P571"] = [self._time_claim(qid, "P571", self.rng.randint(1800, 2023))]
            claims["P856"] = [self._string_claim(qid, "P856", f"https://{label.split()[0].lower()}.example", "url")]
            langs = self.rng.choice((1, 2, 3, 6))
        elif what == "weapon":
            label = f"{self._made_up(2)}-{self.rng.randint(1, 99)}"
            aliases = [f"{label} {self.rng.choice(WEAPON_TAILS)}"]
            description = f"{self.rng.choice(NATIONALITY)} {self.rng.choice(WEAPON_TAILS)}"
            claims["P495"] = [self._item_claim(qid, "P495", country)]
            langs = self.rng.choice((1, 3, 6))
        elif what == "article":
            label = " ".join(self._made_up(self.rng.choice((1, 2, 3))).lower() for _ in range(self.rng.randint(5, 14))).capitalize()
            aliases, description, langs = [], f"scientific article published in {self.rng.randint(1950, 2024)}", 1
            claims["P1476"] = [self._statement(qid, "P1476", {"text": label, "language": "en"}, "monolingualtext", "monolingualtext", False)]
            claims["P50"] = [self._item_claim(qid, "P50", f"Q{self.rng.randint(FIRST_QID, self.qid)}") for _ in range(self.rng.randint(1, 4))]
            claims["P577"] = [self._time_claim(qid, "P577", self.rng.randint(1950, 2024))]
            claims["P356"] = [self._string_claim(qid, "P356", f"10.{self.rng.randint(1000, 9999)}/{self.rng.getrandbits(32):x}")]
            claims["P1433"] = [self._item_claim(qid, "P1433", f"Q{self.rng.randint(1000, 9_000_000)}")]
        else:
            label = self._made_up(self.rng.choice((2, 3, 4))) if what != "category" else f"Category:{self._made_up(3)}"
            aliases, description, langs = [], what, self.rng.choice((1, 1, 2, 4))
        entity: dict[str, Any] = {"type": "item", "id": qid, **self._terms(label, langs, description, aliases), "claims": claims,
                                  "sitelinks": self._sitelinks(label, kept)}
        return entity

    def lines(self, n: int, *, first: bool = True, last: bool = True) -> Iterator[bytes]:
        """The dump's lines for ``n`` entities, as the real dump spells them (``first``/``last``:
        this run of lines opens/closes the array)."""
        if first:
            yield b"[\n"
        for i in range(n):
            text = json.dumps(self.entity(), ensure_ascii=False, separators=(",", ":")).encode()
            yield text + (b",\n" if i < n - 1 or not last else b"\n")
        if last:
            yield b"]\n"


def chunk_compressed(task: tuple[int, int, str]) -> bytes:
    """Chunk ``k`` of a dump of ``total`` items, compressed as one ``bz2`` stream (level 9,
    the real dump's block size) or one ``gz`` member (level 1). The chunks, concatenated in
    order, are one multi-stream ``.json.bz2`` (``.json.gz``) that ``bz2``, ``indexed_bzip2``
    and ``gzip`` read as one file; each chunk has its own seed and QID range, so chunks are
    generated on every core and the dump is the same whatever the number of processes.
    bz2 is most of the cost (~12 MB/s per core: ~2,100 CPU-s for 10 M items); gz level 1
    (~350 MB/s) leaves the generator's own ~40 µs per item."""
    import bz2
    import zlib

    k, total, fmt = task
    start = k * CHUNK_ITEMS
    n = min(CHUNK_ITEMS, total - start)
    gen = DumpGenerator(seed=f"16-{k}", first_qid=FIRST_QID + k * CHUNK_QIDS)
    comp = bz2.BZ2Compressor(9) if fmt == "bz2" else zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip member
    out: list[bytes] = []
    buf: list[bytes] = []
    for line in gen.lines(n, first=k == 0, last=start + n >= total):
        buf.append(line)
        if len(buf) >= 2000:
            out.append(comp.compress(b"".join(buf)))
            buf.clear()
    out.append(comp.compress(b"".join(buf)))
    out.append(comp.flush())
    return b"".join(out)


def chunks(total: int, fmt: str = "bz2") -> list[tuple[int, int, str]]:
    return [(k, total, fmt) for k in range(max(1, -(-total // CHUNK_ITEMS)))]
