"""One contract, every engine: same documents in -> same hits, facets and errors out.

Each test runs against the embedded engine and the Elasticsearch engine on the test
cluster: NEWSLINK_ES_URL when set (in CI a real OpenSearch node), else osmem-server. Expected
answers come from a small reference model in this file (``Oracle``), not from either
engine, so agreement with the oracle means agreement with each other:

* filters, sort and paging: the exact id sequence;
* free text: the same *set* of ids and the same total (relevance order is the
  engine's own business -- BM25 in tantivy, Lucene or bleve differ);
* facets: the same buckets, counts and order (count desc, then QID), multi-select.

The documents are the real linked test articles plus a deterministic synthetic set
(random words, real QIDs, unique dates) big enough to make paging and facets matter.
"""
from __future__ import annotations

import html
import random
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from es_server import es_targets, es_url, unique_index  # noqa: F401 - fixtures

from newslink.indexer.schema import COUNTRY_NAMED
from newslink.search.engines import EngineError
from newslink.search.engines.embedded import _analyzer
from newslink.search.query import QueryError, SearchQuery
from newslink.search.results import Hit, RawResults
from newslink.search.textquery import Term

ENGINE_KINDS = ["embedded"] + [f"elasticsearch-{t}" for t in es_targets()]

WORDS = (
    "missile drone strike ceasefire talks border army navy minister president election vote "
    "sanctions oil gas pipeline refugees aid convoy summit treaty nuclear reactor embassy "
    "protest court ruling parliament budget inflation harbour airport bridge railway "
    "Zürich café F-16 U.S. Iran's attack attacks attacked striking"
).split()
POOLS = {
    "person": ["Q6279", "Q22686", "Q2563", "Q7747", "Q57300", "Q1058"],
    "country": ["Q30", "Q794", "Q801", "Q159", "Q212", "Q810", "Q148"],
    "place": ["Q1218", "Q90", "Q1490", "Q649"],
    "org": ["Q1065", "Q7184", "Q458", "Q8458"],
    "weapon": ["Q1201814", "Q16897253", "Q181447"],
}
# Unlinked names (name:…) sit beside the QIDs in the same fields: counted, filtered, listed alike
# (drawn from a generator of their own, so the rest of the synthetic set stays as it was).
NAME_POOLS = {"person": ["name:ben-chavis", "name:jane-rowe"], "place": ["name:dunmore"], "org": ["name:paxar", "name:national-action-network"]}
SOURCES = ["Wire A", "Wire B", "Daily C"]
# Where the pool's places lie: their countries are rolled up into the country facet
# (Jerusalem -> Israel, Paris -> France, Tokyo -> Japan, Moscow -> Russia), as build_document does.
PLACE_COUNTRY = {"Q1218": "Q801", "Q90": "Q142", "Q1490": "Q17", "Q649": "Q159"}


def synthetic_docs(n: int = 140, seed: int = 20240414) -> list[dict[str, Any]]:
    """Documents shaped like ``build_document`` output; every ``published`` is unique."""
    rng = random.Random(seed)
    names_rng = random.Random(seed + 1)
    slots = list(range(n))
    rng.shuffle(slots)  # date order unrelated to id order
    base = datetime(2025, 1, 1)
    docs = []
    for i in range(n):
        entities = {f: sorted(rng.sample(pool, rng.choice([0, 0, 1, 1, 2, 3]))) for f, pool in POOLS.items()}
        for f, pool in NAME_POOLS.items():
            entities[f] = sorted(entities[f] + names_rng.sample(pool, names_rng.choice([0, 0, 1, len(pool)])))
        entity_list = [
            {"qid": q, "label": q, "type": f, "count": 1, "first_offset": 0, "confidence": 0.9, **({"unlinked": True} if q.startswith("name:") else {})}
            for f, qids in entities.items() for q in qids
        ]
        named = entities["country"]
        derived = sorted({PLACE_COUNTRY[p] for p in entities["place"] if p in PLACE_COUNTRY} - set(named))  # an unlinked place has no country
        entity_list += [
            {"qid": c, "label": c, "type": "country", "count": 0, "first_offset": 0, "confidence": 0.9,
             "via": [{"qid": p, "label": p} for p in entities["place"] if PLACE_COUNTRY.get(p) == c]}
            for c in derived
        ]
        entities = {**entities, "country": named + derived, COUNTRY_NAMED: named}
        docs.append({
            "id": f"s-{i:03d}",
            "title": " ".join(rng.sample(WORDS, 4)).capitalize(),
            "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 70))) + ". <End> & co.",
            "published": (base + timedelta(hours=5 * slots[i], minutes=rng.randint(0, 59))).strftime("%Y-%m-%dT%H:%M:%S"),
            "source": rng.choice(SOURCES),
            "url": f"https://example.org/s/{i}",
            "meta": {},
            "entities": entities,
            "entity_list": entity_list,
            "mentions": [],
            "kb_version": "test",
        })
    return docs


class Oracle:
    """What any engine must answer, computed straight from the documents."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs
        analyzer = _analyzer()  # the analysis both engines implement
        self.analyze = analyzer.analyze
        self.tokens = {d["id"]: (self.analyze(d.get("title") or ""), self.analyze(d.get("text") or "")) for d in docs}

    def _term_matches(self, doc_id: str, term: Term) -> bool | None:
        needle = self.analyze(term.text)
        if not needle:
            return None  # ignored by the engines
        n = len(needle)
        return any(any(field[i:i + n] == needle for i in range(len(field) - n + 1)) for field in self.tokens[doc_id])

    def _text_ok(self, doc: dict[str, Any], q: SearchQuery) -> bool:
        for group in q.parsed.groups:
            results = [r for t in group if (r := self._term_matches(doc["id"], t)) is not None]
            if results and not any(results):
                return False
        return not any(self._term_matches(doc["id"], t) for t in q.parsed.excluded)

    @staticmethod
    def key(facet: str, q: SearchQuery) -> str:
        """The document key a facet reads under the query's country scope."""
        return COUNTRY_NAMED if facet == "country" and q.country_scope == "named" else facet

    def _facets_ok(self, doc: dict[str, Any], q: SearchQuery, filters: dict[str, list[str]]) -> bool:
        for facet, qids in filters.items():
            have = set((doc.get("entities") or {}).get(self.key(facet, q)) or [])
            if (q.match == "all" and not set(qids) <= have) or (q.match == "any" and not have & set(qids)):
                return False
        return True

    @staticmethod
    def _base_ok(doc: dict[str, Any], q: SearchQuery) -> bool:
        if q.sources and doc.get("source") not in q.sources:
            return False
        published = doc.get("published") or ""
        if q.since and published < q.since:
            return False
        return not (q.until and published > q.until)

    def matching(self, q: SearchQuery, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        filters = q.filters if filters is None else filters
        return [d for d in self.docs if self._base_ok(d, q) and self._text_ok(d, q) and self._facets_ok(d, q, filters)]

    def sorted_ids(self, q: SearchQuery) -> list[str]:
        docs = sorted(self.matching(q), key=lambda d: d["published"], reverse=q.sort == "newest")
        return [d["id"] for d in docs]

    def facets(self, q: SearchQuery) -> dict[str, list[tuple[str, int]]]:
        if not q.facets or not q.facet_size:
            return {}
        out = {}
        for facet in q.facets:
            counts = Counter(qid for d in self.matching(q, q.filters_except(facet)) for qid in d["entities"].get(self.key(facet, q)) or [])
            listed = {k: n for k, n in counts.items() if k.startswith("name:")} if q.unlinked else counts
            buckets = sorted(listed.items(), key=lambda kv: (-kv[1], kv[0]))[: q.facet_size]
            shown = {k for k, _ in buckets}
            buckets += [(s, counts.get(s, 0)) for s in q.filters.get(facet, []) if s not in shown]
            out[facet] = buckets
        return out


# ---------------------------------------------------------------------------- fixtures
def _new_engine(kind: str, tmp: Path, request: pytest.FixtureRequest):
    if kind == "embedded":
        from newslink.search.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(tmp / "home")
    from newslink.search.engines.elasticsearch import ElasticsearchEngine

    return ElasticsearchEngine(request.getfixturevalue("es_url"), unique_index("c"))


def _dispose(engine) -> None:
    if hasattr(engine, "drop"):
        engine.drop()
    engine.close()


@pytest.fixture(scope="module")
def all_docs(corpus_docs) -> list[dict[str, Any]]:
    return list(corpus_docs) + synthetic_docs()


@pytest.fixture(scope="module")
def oracle(all_docs) -> Oracle:
    return Oracle(all_docs)


@pytest.fixture(scope="module", params=ENGINE_KINDS)
def filled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, all_docs):
    """One engine per kind, filled once for the read-only tests of this module."""
    engine = _new_engine(request.param, tmp_path_factory.mktemp("contract"), request)
    assert engine.write(all_docs) == []
    engine.commit()
    yield engine
    _dispose(engine)


@pytest.fixture(params=ENGINE_KINDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty engine per test, for the tests that write."""
    engine = _new_engine(request.param, tmp_path, request)
    yield engine
    _dispose(engine)


# ---------------------------------------------------------------------------- documents
def test_count_get_roundtrip(filled, all_docs):
    assert filled.count() == len(all_docs)
    for doc in (all_docs[0], all_docs[-1], all_docs[3]):
        assert filled.get(doc["id"]) == doc  # the full document, mentions included
    assert filled.get("no-such-id") is None


def test_iter_documents_yields_everything_once(filled, all_docs):
    seen = list(filled.iter_documents(batch_size=7))
    assert sorted(d["id"] for d in seen) == sorted(d["id"] for d in all_docs)
    by_id = {d["id"]: d for d in all_docs}
    assert all(d == by_id[d["id"]] for d in seen)


def test_count_entity(filled, all_docs):
    for facet, qid in [("country", "Q794"), ("person", "Q6279"), ("weapon", "Q181447"), ("org", "Q0"), ("person", "name:ben-chavis"), ("place", "name:dunmore")]:
        expected = sum(qid in (d.get("entities") or {}).get(facet, []) for d in all_docs)
        assert filled.count_entity(facet, qid) == expected
    with pytest.raises(ValueError):
        filled.count_entity("planet", "Q2")


# ---------------------------------------------------------------------------- deterministic queries
SORTED_QUERIES = {
    "all-newest": dict(),
    "country-any": dict(filters={"country": ["Q794", "Q30"]}),
    "country-all": dict(filters={"country": ["Q794", "Q30"]}, match="all"),
    "person-and-country": dict(filters={"person": ["Q6279"], "country": ["Q801", "Q159"]}),
    "source": dict(sources=["Wire B"]),
    "date-range": dict(since="2025-01-10", until="2025-02-01"),
    "until-day": dict(until="2024-04-15"),
    "text-and-filter": dict(text="missile", filters={"org": ["Q7184"]}),
    "oldest": dict(sort="oldest", filters={"weapon": ["Q1201814"]}),
    "country-named": dict(filters={"country": ["Q17", "Q801"]}, country_scope="named"),
    "country-rolled-up": dict(filters={"country": ["Q17", "Q142"]}),
    "country-named-all": dict(filters={"country": ["Q801", "Q30"]}, match="all", country_scope="named"),
    "unlinked-name": dict(filters={"person": ["name:ben-chavis"]}),
    "name-or-qid": dict(filters={"person": ["name:jane-rowe", "Q22686"]}),
    "name-and-qid-all": dict(filters={"person": ["name:ben-chavis", "Q6279"]}, match="all"),
    "names-of-two-types": dict(filters={"org": ["name:paxar"], "place": ["name:dunmore", "Q90"]}),
}


@pytest.mark.parametrize("params", SORTED_QUERIES.values(), ids=SORTED_QUERIES.keys())
def test_sorted_hits_are_identical(filled, oracle, params):
    q = SearchQuery(**{"sort": "newest", "size": 100, **params})
    result = filled.search(q)
    expected = oracle.sorted_ids(q)
    assert result.total == len(expected)
    assert [h.id for h in result.hits] == expected[:100]
    assert all(h.score is None for h in result.hits)  # no score when sorted by date


TEXT_QUERIES = [
    "iran", "drones", "drone", "Iran drones", '"ballistic missiles"', "iran OR israel", "iran -biden",
    "-iran", "F-16", "zurich", "Zürich", "CAFE", "attacked", '"missile strike"', "missile OR nuclear -army",
    "Iran's", "!!!", '"sanctions oil" OR treaty', "netanyahu biden", "u.s",
]


@pytest.mark.parametrize("text", TEXT_QUERIES)
def test_text_hits_same_set(filled, oracle, text):
    q = SearchQuery(text=text, size=100)
    result = filled.search(q)
    expected = {d["id"] for d in oracle.matching(q)}
    assert result.total == len(expected)
    ids = {h.id for h in result.hits}
    assert ids == expected if len(expected) <= 100 else (ids <= expected and len(ids) == 100)
    scores = [h.score for h in result.hits]
    if q.parsed.groups and expected:
        assert all(isinstance(s, float) for s in scores)


FACET_QUERIES = {
    "everything": dict(),
    "unlinked-only": dict(unlinked=True, facets=("person", "org", "place")),
    "unlinked-with-a-qid-selected": dict(unlinked=True, filters={"person": ["Q6279", "name:jane-rowe"]}, facet_size=1),
    "unlinked-all": dict(unlinked=True, filters={"person": ["name:ben-chavis", "Q22686"]}, match="all"),
    "name-selected": dict(filters={"person": ["name:ben-chavis"], "org": ["name:paxar"]}),
    "text": dict(text="missile OR drone"),
    "one-selected": dict(filters={"country": ["Q794"]}),
    "two-selected-any": dict(filters={"country": ["Q794", "Q159"], "person": ["Q22686"]}),
    "two-selected-all": dict(filters={"country": ["Q794", "Q159"]}, match="all"),
    "rare-selected-outside-top": dict(filters={"person": ["Q1058", "Q99999"]}, facet_size=1),
    "all-selected-outside-top": dict(filters={"country": ["Q30", "Q148"], "person": ["Q6279"]}, match="all", facet_size=1),
    "all-no-hits-selected": dict(text="treaty", filters={"country": ["Q30", "Q148", "Q810"], "person": ["Q6279", "Q2563"]}, match="all"),
    "small-buckets": dict(facet_size=2, sources=["Daily C"]),
    "dates-and-text": dict(text="attack", since="2025-01-05"),
    "some-facets": dict(facets=("weapon", "org")),
    "no-facets": dict(facet_size=0),
    "named-scope": dict(country_scope="named"),
    "named-scope-selected": dict(filters={"country": ["Q801"], "place": ["Q1218"]}, country_scope="named"),
    "rolled-up-selected": dict(filters={"country": ["Q142"]}, facet_size=20),
}


@pytest.mark.parametrize("params", FACET_QUERIES.values(), ids=FACET_QUERIES.keys())
def test_facets_identical(filled, oracle, params):
    q = SearchQuery(**{"size": 0, **params})
    result = filled.search(q)
    assert result.facets == oracle.facets(q)
    assert result.total == len(oracle.matching(q))
    assert result.hits == []


def test_paging_slices_the_same_sequence(filled, oracle):
    full = oracle.sorted_ids(SearchQuery(sort="newest", size=100))
    pages = [filled.search(SearchQuery(sort="newest", page=p, size=9)) for p in (1, 2, 5)]
    assert [h.id for h in pages[0].hits] == full[0:9]
    assert [h.id for h in pages[1].hits] == full[9:18]
    assert [h.id for h in pages[2].hits] == full[36:45]
    assert {p.total for p in pages} == {len(full)}


def test_page_cap_is_the_same_everywhere(filled, oracle):
    at_cap = filled.search(SearchQuery(page=1000, size=10, sort="newest"))
    assert at_cap.hits == [] and at_cap.total == len(oracle.docs)
    with pytest.raises(QueryError, match="10,000"):
        SearchQuery(page=1001, size=10)
    with pytest.raises(QueryError):
        SearchQuery(size=101)


# ---------------------------------------------------------------------------- result shape
def test_hit_shape_and_highlights(filled):
    result = filled.search(SearchQuery(text="iran drones", size=5))
    assert isinstance(result, RawResults) and result.hits
    top = {h.id: h for h in result.hits}["t-1"]
    assert isinstance(top, Hit)
    assert top.title == "Iran launches drones and missiles at Israel"
    assert "<b>" in top.snippet and "</b>" in top.snippet
    assert top.title_html and "<b>Iran</b>" in top.title_html and "<b>drones</b>" in top.title_html
    assert top.published == "2024-04-14T06:00:00" and top.source and top.url
    assert top.entities and {"qid", "label", "type"} <= set(top.entities[0])


def test_snippets_are_escaped_and_fall_back_to_the_lead(filled, all_docs):
    plain = filled.search(SearchQuery(text="attacked", size=100, highlight=False))
    assert plain.hits and all(h.title_html is None and "<b>" not in h.snippet for h in plain.hits)
    assert all("<End>" not in h.snippet for h in plain.hits)
    no_text = filled.search(SearchQuery(filters={"person": ["Q6279"]}, size=3, sort="newest"))
    by_id = {d["id"]: d for d in all_docs}
    for h in no_text.hits:
        assert h.title_html is None
        text = by_id[h.id]["text"]
        assert h.snippet.startswith(html.escape(text[:40]))
    marked = filled.search(SearchQuery(text="co", size=100))
    assert marked.hits and all("&amp; <b>co</b>" in h.snippet and "<End>" not in h.snippet for h in marked.hits)


# ---------------------------------------------------------------------------- generations
def test_generation_create_promote_discard(fresh, all_docs):
    first, second = all_docs[:30], all_docs[20:50]
    assert fresh.write(first) == []
    fresh.commit()
    live_before = fresh.generation

    building = fresh.create_generation()
    assert building.write(second) == []
    building.commit()
    assert fresh.count() == len(first)  # searches still see the live generation
    assert fresh.search(SearchQuery(size=0)).total == len(first)

    fresh.promote(building)
    assert fresh.generation == building.generation != live_before
    assert fresh.count() == len(second)
    assert fresh.get(all_docs[0]["id"]) is None and fresh.get(all_docs[45]["id"]) == all_docs[45]

    abandoned = fresh.create_generation()
    abandoned.write(first)
    fresh.discard(abandoned)
    assert fresh.count() == len(second) and fresh.generation == building.generation
    with pytest.raises(EngineError, match="live"):
        fresh.discard(building)  # the live one is never discarded


def test_write_is_an_upsert_by_id(fresh, all_docs):
    assert fresh.write(all_docs[:10]) == []
    changed = dict(all_docs[0], title="A changed title")
    assert fresh.write([changed]) == []
    fresh.commit()
    assert fresh.count() == 10
    assert fresh.get(changed["id"])["title"] == "A changed title"


# ---------------------------------------------------------------------------- date histogram
def oracle_days(oracle: Oracle, q: SearchQuery) -> list[tuple[str, int]]:
    """Articles per UTC day, counted multi-select: with every filter but the date range."""
    undated = SearchQuery(text=q.text, filters=q.filters, match=q.match, sources=q.sources)
    return sorted(Counter(d["published"][:10] for d in oracle.matching(undated) if d.get("published")).items())


HISTOGRAM_QUERIES = {
    "everything": dict(),
    "text": dict(text="missile OR drone"),
    "entity": dict(filters={"country": ["Q794", "Q30"]}),
    "entity-all": dict(filters={"country": ["Q794", "Q30"]}, match="all"),
    "selected-range": dict(since="2025-01-10", until="2025-02-01", sources=["Wire A"]),
    "no-hits": dict(text="zzzzunknownword"),
}


@pytest.mark.parametrize("params", HISTOGRAM_QUERIES.values(), ids=HISTOGRAM_QUERIES.keys())
def test_histogram_days_identical(filled, oracle, params):
    from newslink.search.facets import roll_up

    q = SearchQuery(**{"size": 0, "histogram": "auto", **params})
    result = filled.search(q)
    days = oracle_days(oracle, q)
    assert result.facets["published"] == days
    assert result.total == len(oracle.matching(q))  # the range still narrows the hits
    for interval in ("day", "week", "month", "year"):
        hist = roll_up(result.facets["published"], interval, q.since, q.until)
        assert sum(b.count for b in hist.buckets) == sum(n for _, n in days)
    if q.since:
        hist = roll_up(result.facets["published"], "week", q.since, q.until)
        for b in hist.buckets:  # selected = the week overlaps the range
            end = (date.fromisoformat(b.key) + timedelta(days=6)).isoformat()
            assert b.selected == (b.key <= q.until[:10] and end >= q.since[:10])
        inside = sum(b.count for b in hist.buckets if b.selected)
        assert 0 < inside < sum(b.count for b in hist.buckets)  # context outside the range


def test_histogram_is_not_counted_unless_asked(filled):
    assert "published" not in filled.search(SearchQuery(size=0)).facets


def test_source_facet_counts_multi_select(filled, oracle):
    q = SearchQuery(size=0, facets=("source", "country"), sources=["Wire A"])
    result = filled.search(q)
    everyone = SearchQuery(size=0)
    counts = Counter(d.get("source") for d in oracle.matching(everyone) if d.get("source"))
    assert result.facets["source"] == sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert result.facets["country"] == oracle.facets(SearchQuery(size=0, facets=("country",), sources=["Wire A"]))["country"]


# ---------------------------------------------------------------------------- co-occurrence
RELATED_CASES = {
    "country-everything": (dict(), "country", "Q794", 1),
    "person-min2": (dict(), "person", "Q22686", 2),
    "with-text-and-filter": (dict(text="missile OR drone", sources=["Wire A", "Wire B"]), "weapon", "Q181447", 1),
    "filtered-all": (dict(filters={"country": ["Q30", "Q159"]}, match="all"), "org", "Q7184", 1),
    "absent-entity": (dict(), "person", "Q999999", 1),
    "rolled-up-country": (dict(), "country", "Q17", 1),
    "named-country": (dict(country_scope="named"), "country", "Q801", 1),
}


@pytest.mark.parametrize("case", RELATED_CASES.values(), ids=RELATED_CASES.keys())
def test_cooccurrence_identical(filled, oracle, case):
    from newslink.search.related import cooccurrence, score

    params, facet, qid, min_count = case
    q = SearchQuery(size=0, **params)
    found = cooccurrence(filled, q, facet, qid, size=4, min_count=min_count)
    background = oracle.matching(q)
    foreground = [d for d in background if qid in d["entities"].get(oracle.key(facet, q), [])]
    assert (found.foreground, found.background) == (len(foreground), len(background))
    for t in POOLS:
        fg = Counter(v for d in foreground for v in d["entities"].get(oracle.key(t, q)) or [] if not (t == facet and v == qid))
        bg = Counter(v for d in background for v in d["entities"].get(oracle.key(t, q)) or [])
        rows = []
        for v, n in fg.items():
            lift, jlh = score(n, len(foreground), bg[v], len(background))
            if n >= min_count and jlh > 0:
                rows.append((v, n, bg[v], round(lift, 4), round(jlh, 6)))
        rows.sort(key=lambda r: (-r[4], -r[1], r[0]))
        assert [(r.qid, r.count, r.background, r.lift, r.score) for r in found.related[t]] == rows[:4], t


def test_cooccurrence_discounts_the_ubiquitous(filled, oracle):
    """A value in every article has lift 1 and is never listed, however often it co-occurs."""
    from newslink.search.related import cooccurrence

    q = SearchQuery(size=0, filters={"country": ["Q30"]})  # every background article has Q30
    found = cooccurrence(filled, q, "person", "Q6279", min_count=1)
    assert found.background == len(oracle.matching(q)) and found.foreground > 0
    assert "Q30" not in {r.qid for r in found.related["country"]}
    assert all(r.lift > 1 and r.score > 0 for rows in found.related.values() for r in rows)


# ---------------------------------------------------------------------------- export
EXPORT_QUERIES = {
    "everything": dict(),
    "text": dict(text="missile OR drone -army"),
    "filters-and-dates": dict(filters={"country": ["Q794", "Q30"]}, since="2025-01-05", sources=["Wire A", "Daily C"]),
    "all-mode": dict(filters={"country": ["Q794", "Q30"]}, match="all"),
    "nothing": dict(text="zzzzunknownword"),
    "named-scope": dict(filters={"country": ["Q17", "Q159"]}, country_scope="named"),
}


@pytest.mark.parametrize("params", EXPORT_QUERIES.values(), ids=EXPORT_QUERIES.keys())
def test_export_is_every_match_in_id_order(filled, oracle, all_docs, params):
    q = SearchQuery(size=0, **params)
    exported = list(filled.scan(q, batch_size=7))  # many pages, a partial last one
    assert [h.id for h in exported] == sorted(d["id"] for d in oracle.matching(q))
    by_id = {d["id"]: d for d in all_docs}
    for h in exported[:5]:
        stored = by_id[h.id]
        shown = [{**e, "unlinked": bool(e.get("unlinked"))} for e in stored["entity_list"]]  # every entity says whether it is a name
        assert (h.title, h.published, h.source, h.url, h.entities) == (stored["title"], stored.get("published"), stored.get("source"), stored.get("url"), shown)
    total, _ = filled.aggregate(q, [], {})
    assert total == len(exported) == filled.search(q).total


def test_export_pages_of_exactly_the_batch_size(filled, oracle):
    q = SearchQuery(size=0, sources=["Wire B"])
    n = len(oracle.matching(q))
    assert n > 2
    for batch in (1, n, n - 1):  # a last page that is full, one page, a page of one
        assert [h.id for h in filled.scan(q, batch_size=batch)] == sorted(d["id"] for d in oracle.matching(q))


# ---------------------------------------------------------------------------- country roll-up
def test_rollup_makes_the_two_scopes_differ(filled, oracle):
    """The roll-up is exercised: Japan is found through Tokyo in the default scope only,
    and the hits carry the derived entry with the places it came from."""
    everywhere = SearchQuery(filters={"country": ["Q17"]}, size=100, sort="newest")
    named = SearchQuery(filters={"country": ["Q17"]}, size=100, sort="newest", country_scope="named")
    wide, narrow = filled.search(everywhere), filled.search(named)
    assert wide.total == len(oracle.matching(everywhere)) > narrow.total == len(oracle.matching(named))
    via_tokyo = [h for h in wide.hits if any(e["qid"] == "Q17" and e.get("via") for e in h.entities)]
    assert via_tokyo and all({"qid": "Q1490", "label": "Q1490"} in next(e for e in h.entities if e["qid"] == "Q17")["via"] for h in via_tokyo)
    assert not {h.id for h in via_tokyo} & {h.id for h in narrow.hits}
    counts = dict(filled.search(SearchQuery(size=0, facets=("country",), facet_size=20)).facets["country"])
    named_counts = dict(filled.search(SearchQuery(size=0, facets=("country",), facet_size=20, country_scope="named")).facets["country"])
    assert counts["Q17"] > named_counts.get("Q17", 0)
    assert filled.count_entity("country", "Q17") == wide.total


# ---------------------------------------------------------------------------- unlinked names and the KB
RELINK_ARTICLES = [
    ("r-1", "Civil rights leader Ben Chavis spoke in Washington on Monday. Chavis said Joe Biden must act."),
    ("r-2", "Ben Chavis returned on Tuesday with Jane Rowe. Chavis and Ms. Rowe spoke to reporters."),
]


def test_a_name_turns_into_the_qid_when_the_kb_learns_it(fresh, pipeline, kb, tmp_path):
    """Indexed while the KB lacks him, Ben Chavis is one unlinked value of two articles;
    once the KB knows him, a re-link makes him the QID and leaves no name value behind."""
    from itertools import chain

    from newslink.indexer.article import Article
    from newslink.indexer.document import build_document
    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.kb.build import EntityRecord, build_kb, starter_records
    from newslink.indexer.linking.unlinked import UnlinkedNames
    from newslink.search.reindex import run_reindex

    names = UnlinkedNames(kb)
    docs = []
    for doc_id, text in RELINK_ARTICLES:
        article = Article(id=doc_id, title="", text=text)
        links = pipeline.link_text(article.body_for_nlp)
        docs.append(build_document(article, links, kb.version, kb, unlinked=names.find(links, article.body_for_nlp)))
    assert fresh.write(docs) == []
    fresh.commit()
    q = SearchQuery(size=0, facets=("person",), facet_size=20)
    before = dict(fresh.search(q).facets["person"])
    assert before["name:ben-chavis"] == 2 and "name:jane-rowe" in before
    assert fresh.count_entity("person", "name:ben-chavis") == 2

    learnt = tmp_path / "learnt.sqlite"
    build_kb(learnt, chain(starter_records(), [EntityRecord("Q900301", "person", "Ben Chavis", popularity=30, description="civil rights leader")]), sources=["starter", "test"])
    new_kb = KnowledgeBase(learnt)
    try:
        summary = run_reindex(fresh, new_kb)
    finally:
        new_kb.close()
    assert summary["changed"] == 2
    after = dict(fresh.search(q).facets["person"])
    assert after["Q900301"] == 2 and "name:ben-chavis" not in after
    assert after["name:jane-rowe"] == before["name:jane-rowe"]
    assert fresh.count_entity("person", "name:ben-chavis") == 0
    assert fresh.search(SearchQuery(filters={"person": ["name:ben-chavis"]}, size=0)).total == 0
