"""Country roll-up: a document's country facet also holds the countries of the places it
links (Tokyo -> Japan), marked ``via`` in its entity list; ``kb build`` gives every curated
place its country; old embedded indexes (no ``country_named`` field) still open and answer."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from es_server import es_url, unique_index  # noqa: F401 - fixtures

from newslink.indexer.article import Article
from newslink.indexer.document import build_document
from newslink.indexer.kb.build import EntityRecord, read_tsv, starter_files
from newslink.indexer.kb.locate import read_located
from newslink.indexer.linking import Link, MemoryKB, Mention
from newslink.indexer.linking.geo import Geography
from newslink.indexer.rollup import rolled_up_countries
from newslink.indexer.schema import COUNTRY_NAMED, FACET_TYPES
from newslink.search.query import QueryError, SearchQuery
from newslink.search.render import entity_name


def _kb() -> MemoryKB:
    records = [
        EntityRecord("Q17", "country", "Japan", country="Q17"),
        EntityRecord("Q30", "country", "United States", country="Q30"),
        EntityRecord("Q1490", "place", "Tokyo", country="Q17"),
        EntityRecord("Q35765", "place", "Osaka", country="Q17"),
        EntityRecord("Q99", "place", "California", country="Q30"),
        EntityRecord("Q334", "place", "Singapore City", country="Q334"),  # in itself: nothing to roll up
        EntityRecord("Q15", "place", "Africa"),  # no country
        EntityRecord("Q5", "place", "Somewhere", country="Q404"),  # a country the KB does not hold
    ]
    return MemoryKB(records)


def _link(kb: MemoryKB, qid: str, start: int) -> Link:
    ent = kb.entity(qid)
    assert ent is not None
    return Link(Mention(start, start + len(ent.label), ent.label, "GPE", "ner"), qid, ent.type, ent.label, 0.9, "label")


def _document(qids: list[str]) -> dict:
    kb = _kb()
    text = " ".join(kb.entity(q).label for q in qids)  # type: ignore[union-attr]
    links, at = [], 0
    for q in qids:
        links.append(_link(kb, q, at))
        at += len(kb.entity(q).label) + 1  # type: ignore[union-attr]
    return build_document(Article(id="d", title="", text=text), links, "test", kb)


def test_places_add_their_country_marked_via() -> None:
    doc = _document(["Q1490", "Q99", "Q35765"])
    assert doc["entities"]["country"] == ["Q17", "Q30"]  # by first place mentioned
    assert doc["entities"][COUNTRY_NAMED] == []
    derived = {e["qid"]: e for e in doc["entity_list"] if e["type"] == "country"}
    assert derived["Q17"]["via"] == [{"qid": "Q1490", "label": "Tokyo"}, {"qid": "Q35765", "label": "Osaka"}]
    assert derived["Q30"]["via"] == [{"qid": "Q99", "label": "California"}]
    assert derived["Q17"]["count"] == 0 and derived["Q17"]["label"] == "Japan"
    assert entity_name(derived["Q17"]) == "Japan (via Tokyo, Osaka)"
    assert [e["qid"] for e in doc["entity_list"]][-2:] == ["Q17", "Q30"]  # mentioned entities first


def test_a_named_country_is_not_derived() -> None:
    doc = _document(["Q17", "Q1490", "Q99"])
    japan = next(e for e in doc["entity_list"] if e["qid"] == "Q17")
    assert "via" not in japan and japan["count"] == 1
    assert doc["entities"]["country"] == ["Q17", "Q30"] and doc["entities"][COUNTRY_NAMED] == ["Q17"]
    assert entity_name(japan) == "Japan"


def test_no_rollup_without_a_known_country() -> None:
    doc = _document(["Q334", "Q15", "Q5"])
    assert doc["entities"]["country"] == [] and all("via" not in e for e in doc["entity_list"])
    assert rolled_up_countries([], _kb()) == []


def test_without_a_kb_the_document_is_as_before() -> None:
    kb = _kb()
    doc = build_document(Article(id="d", title="", text="Tokyo"), [_link(kb, "Q1490", 0)], "test")
    assert doc["entities"]["country"] == [] and set(doc["entities"]) == {*FACET_TYPES, COUNTRY_NAMED}


def test_country_scope_is_checked() -> None:
    assert SearchQuery(country_scope="named").to_dict()["country_scope"] == "named"
    assert "country_scope" not in SearchQuery().to_dict()
    with pytest.raises(QueryError, match="country_scope"):
        SearchQuery(country_scope="derived")


# ---------------------------------------------------------------------------- the KB
SETTLED = {"city", "capital", "province", "us_state"}  # kinds that always lie in one country
SPANNING = {"body_of_water", "region", "continent", "mountain"}  # descriptions name neighbours, not a country


def _curated_places() -> list[EntityRecord]:
    return [r for p in starter_files() for r in read_tsv(p) if r.type == "place"]


def test_every_curated_place_gets_its_country(kb) -> None:
    """Cities, capitals, states and provinces always get a KB country; every other curated
    place whose description names exactly one country gets that one (the description is
    the cross-check of the open data, which had Irkutsk in Ukraine: kb_data/located/)."""
    geography = Geography(kb)
    places = _curated_places()
    missing, wrong = [], []
    for rec in places:
        ent = kb.entity(rec.qid)
        country = kb.entity(ent.country) if ent.country else None
        if rec.kind in SETTLED and (country is None or country.type != "country"):
            missing.append(rec.label)
        described = geography.of(rec.qid).countries
        if rec.kind not in SPANNING and len(described) == 1 and ent.country not in described:
            wrong.append((rec.label, ent.country, sorted(described)))
    assert not missing and not wrong, (missing, wrong)
    located = sum(1 for r in places if kb.entity(r.qid).country)
    assert located >= 0.9 * len(places)


def test_located_file_names_curated_places_and_kb_countries(kb) -> None:
    curated = {r.qid for r in _curated_places()}
    rows = read_located()
    assert rows
    for qid, country in rows:
        assert qid in curated, qid
        assert country == "" or kb.entity(country).type == "country", (qid, country)
        assert kb.entity(qid).country == country  # it wins over the open data


# ---------------------------------------------------------------------------- old indexes
def test_an_index_from_before_the_rollup_still_answers(tmp_path: Path) -> None:
    """An embedded generation without the country_named field opens with its own schema;
    the named scope reads the country field there (it held only named countries)."""
    import tantivy

    from newslink.search.engines.embedded import ANALYZER, EmbeddedEngine, _analyzer, _schema, _stored_bytes

    old = tmp_path / "home" / "indexes" / "articles" / "gen-20240101000000000000"
    old.mkdir(parents=True)
    index = tantivy.Index(_schema(FACET_TYPES), path=str(old))
    index.register_tokenizer(ANALYZER, _analyzer())
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    doc = {"id": "old-1", "title": "Iran", "text": "Iran said.", "entities": {"country": ["Q794"]}, "entity_list": []}
    writer.add_document(tantivy.Document(id="old-1", title="Iran", text="Iran said.", country=["Q794"], doc=_stored_bytes(doc)))
    writer.commit()
    writer.wait_merging_threads()
    del writer, index
    assert "country_named" not in json.dumps(json.loads((old / "meta.json").read_text())["schema"])

    engine = EmbeddedEngine(tmp_path / "home")
    try:
        assert engine.generation == old.name
        for scope in ("all", "named"):
            q = SearchQuery(filters={"country": ["Q794"]}, country_scope=scope, facets=("country",))
            result = engine.search(q)
            assert [h.id for h in result.hits] == ["old-1"] and result.facets["country"] == [("Q794", 1)]
        new = _document(["Q1490"])
        assert engine.write([new]) == []  # new documents still go in (without the named-only field)
        engine.commit()
        assert engine.search(SearchQuery(filters={"country": ["Q17"]})).total == 1
    finally:
        engine.close()


# ---------------------------------------------------------------------------- end to end
TOKYO = {"id": "quake", "title": "Quake hits Tokyo", "text": "A strong earthquake shook Tokyo and Osaka on Monday. Officials in California offered help."}
JAPAN = {"id": "trade", "title": "Japan trade", "text": "Japan said its exports rose, officials in Tokyo said."}


@pytest.fixture()
def rollup_home(tmp_path: Path, session_home: Path) -> tuple[Path, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in (TOKYO, JAPAN)) + "\n")
    return tmp_path / "home", folder


def test_cli_filters_both_ways_and_shows_via(rollup_home, session_home: Path) -> None:
    from click.testing import CliRunner

    from newslink.search.cli import cli

    home, folder = rollup_home
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--home", str(home), *args], env={"NEWSLINK_KB": str(session_home / "kb.sqlite")}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("index", str(folder))
    text = run("search", "--country", "Japan", "--sort", "oldest")
    assert "Japan (via Tokyo, Osaka)" in text and "United States (via California)" in text
    found = json.loads(run("search", "--country", "Japan", "--json"))
    assert {h["id"] for h in found["hits"]} == {"quake", "trade"}
    quake = next(h for h in found["hits"] if h["id"] == "quake")
    japan = next(e for e in quake["entities"] if e["qid"] == "Q17")
    assert [v["label"] for v in japan["via"]] == ["Tokyo", "Osaka"] and japan["count"] == 0
    named = json.loads(run("search", "--country", "Japan", "--country-scope", "named", "--json"))
    assert [h["id"] for h in named["hits"]] == ["trade"] and named["query"]["country_scope"] == "named"
    assert {b["qid"]: b["count"] for b in named["facets"]["country"]}.get("Q30") is None  # California's US is not named
    assert {b["qid"]: b["count"] for b in found["facets"]["country"]}["Q30"] == 1

    exported = {r["id"]: r for r in map(json.loads, run("search", "--country", "Japan", "--all").splitlines())}
    assert exported["quake"]["entities"]["country"][0]["via"] == [{"qid": "Q1490", "label": "Tokyo"}, {"qid": "Q35765", "label": "Osaka"}]
    assert all("via" not in e for e in exported["trade"]["entities"]["country"])

    # reindex keeps them (and is how an index from before the roll-up gets them)
    run("reindex")
    again = json.loads(run("search", "--country", "United States", "--json"))
    assert [h["id"] for h in again["hits"]] == ["quake"]


def test_api_filters_both_ways_and_documents_the_scope(rollup_home, session_home: Path) -> None:
    from fastapi.testclient import TestClient

    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.pipeline import EntityPipeline
    from newslink.indexer.readers import read_paths
    from newslink.search.api import create_app
    from newslink.search.engines.embedded import EmbeddedEngine

    home, folder = rollup_home
    kb = KnowledgeBase(session_home / "kb.sqlite")
    pipeline = EntityPipeline(kb)
    engine = EmbeddedEngine(home)
    docs = [build_document(a, links, kb.version, kb) for a, links in pipeline.process(a for a, _ in read_paths([folder]) if a is not None)]
    assert engine.write(docs) == []
    engine.commit()
    with TestClient(create_app(engine, kb), raise_server_exceptions=False) as client:
        wide = client.get("/search", params={"country": "Japan"}).json()
        assert {h["id"] for h in wide["hits"]} == {"quake", "trade"}
        japan = next(e for h in wide["hits"] if h["id"] == "quake" for e in h["entities"] if e["qid"] == "Q17")
        assert japan["via"] == [{"qid": "Q1490", "label": "Tokyo"}, {"qid": "Q35765", "label": "Osaka"}]
        assert all("via" not in e for h in wide["hits"] if h["id"] == "trade" for e in h["entities"])
        narrow = client.get("/search", params={"country": "Q17", "country_scope": "named", "facets": "country"}).json()
        assert [h["id"] for h in narrow["hits"]] == ["trade"]
        assert [b["qid"] for b in narrow["facets"]["country"]] == ["Q17"]
        bad = client.get("/search", params={"country_scope": "derived"})
        assert bad.status_code == 400 and bad.json()["param"] == "country_scope"
        exported = client.get("/export", params={"country": "Japan", "country_scope": "named"})
        assert exported.status_code == 200 and [json.loads(line)["id"] for line in exported.text.splitlines()] == ["trade"]
        spec = client.get("/openapi.json").json()
        param = next(p for p in spec["paths"]["/search"]["get"]["parameters"] if p["name"] == "country_scope")
        assert param["schema"]["enum"] == ["all", "named"] and "Tokyo -> Japan" in param["description"]
        assert "ViaRef" in spec["components"]["schemas"]
    engine.close()


def test_a_bad_located_line_names_file_and_line(tmp_path: Path) -> None:
    from newslink.indexer.kb.store import KBDataError

    bad = tmp_path / "countries.tsv"
    bad.write_text("qid\tcountry\tlabel\twhy\n# a comment\nQ1490\tQ17\tTokyo\tok\nQ90\tFrance\tParis\tnot a QID\n")
    with pytest.raises(KBDataError, match=r"countries.tsv:4: bad QID 'France'"):
        read_located(bad)
    assert read_located(_good(tmp_path)) == [("Q1490", "Q17"), ("Q5", "")]


def _good(tmp_path: Path) -> Path:
    good = tmp_path / "good.tsv"
    good.write_text("qid\tcountry\tlabel\twhy\nQ1490\tQ17\tTokyo\tok\nQ5\t\tSomewhere\tdisputed\n")
    return good


def test_an_es_index_from_before_the_rollup_still_answers(tmp_path: Path, es_url: str) -> None:
    """A generation made with the mapping of before (no entities.country_named) answers the
    named scope from entities.country, as the embedded engine does; a reindex-made one has both."""
    from newslink.search.engines.elasticsearch import ElasticsearchEngine, MAPPING_FILE

    mapping = json.loads(MAPPING_FILE.read_text())
    del mapping["mappings"]["properties"]["entities"]["properties"][COUNTRY_NAMED]
    old_mapping = tmp_path / "articles.json"
    old_mapping.write_text(json.dumps(mapping))
    name = unique_index("r")
    old = ElasticsearchEngine(es_url, name, mapping_file=old_mapping)
    doc = {"id": "old-1", "title": "Iran", "text": "Iran said.", "entities": {"country": ["Q794"]}, "entity_list": [], "mentions": []}
    assert old.write([doc]) == []
    old.commit()
    old.close()  # the job ends: a reindex may start
    engine = ElasticsearchEngine(es_url, name)
    try:
        for scope in ("all", "named"):
            q = SearchQuery(filters={"country": ["Q794"]}, country_scope=scope, facets=("country",))
            result = engine.search(q)
            assert [h.id for h in result.hits] == ["old-1"] and result.facets["country"] == [("Q794", 1)], scope
            assert [h.id for h in engine.scan(q)] == ["old-1"]
        building = engine.create_generation()
        assert building.write([_document(["Q1490"]) | {"id": "new-1"}]) == []
        building.commit()
        engine.promote(building)
        named = engine.search(SearchQuery(filters={"country": ["Q17"]}, country_scope="named"))
        assert engine.search(SearchQuery(filters={"country": ["Q17"]})).total == 1 and named.total == 0
    finally:
        engine.drop()
        engine.close()
