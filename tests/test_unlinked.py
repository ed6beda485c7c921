"""Unlinked entities: names the KB does not know become facet values (name:…).

Hand-made mentions on a small in-memory KB pin the rules (folding of short forms,
the non-names that must never become values); the real pipeline checks the same on
text; the CLI checks filters by name, ``facets --unlinked`` and the re-link that
turns a name into a QID once the KB learns it. Both engines' side is in
``test_engine_contract.py``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newslink.indexer.document import build_document
from newslink.indexer.linking import Linker, MemoryKB, Mention
from newslink.indexer.linking.unlinked import UnlinkedNames, key_for, name_key
from newslink.indexer.schema import is_name_key


def world() -> MemoryKB:
    kb = MemoryKB()
    kb.add("Q6279", "person", "Joe Biden", popularity=200, description="president of the United States")
    kb.add("Q30", "country", "United States", popularity=330, aliases=["U.S."], demonyms=["American", "Americans"])
    kb.add("Q1297", "place", "Chicago", kind="city", popularity=200)
    return kb


def names_of(kb: MemoryKB, body: str, spans: list[tuple[str, str | None]]) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(type, key) -> (label, the mentions' texts) for hand-made mentions (surface, NER label), in order."""
    mentions: list[Mention] = []
    for text, label in spans:  # the first whole-word occurrence no earlier mention covers
        start = next(
            m.start() for m in re.finditer(r"(?<!\w)" + re.escape(text) + r"(?!\w)", body)
            if not any(o.start < m.end() and m.start() < o.end for o in mentions)
        )
        mentions.append(Mention(start, start + len(text), text, label, "ner" if label else "kb"))
    mentions.sort(key=lambda m: m.start)
    links = Linker(kb).link(mentions, body)
    return {(n.type, n.key): (n.label, [links[i].mention.text for i in n.mentions]) for n in UnlinkedNames(kb).find(links, body)}


def test_keys_are_ascii_words_joined_by_dashes() -> None:
    assert name_key("Ben Chavis") == "name:ben-chavis"
    assert name_key("José Ñúñez-O’Brien") == "name:jose-nunez-o-brien"
    assert name_key("Владимир Зеленский") == "name:vladimir-zelenskiy"  # transliterated (anyascii)
    assert name_key("AT&T") == "name:at-t" and is_name_key("name:at-t")
    assert name_key("...") is None
    assert key_for("person", "Benjamin F. Chavis Jr.") == key_for("person", "Dr. Benjamin Chavis") == "name:benjamin-chavis"
    assert key_for("org", "Paxar Corp") == key_for("org", "Paxar") == "name:paxar"


def test_short_forms_fold_into_the_full_name() -> None:
    body = "Ben Chavis spoke in Chicago. Chavis said Jane Rowe agreed. Later Ms. Rowe left, and Ben waved."
    found = names_of(world(), body, [("Ben Chavis", "PERSON"), ("Chicago", "GPE"), ("Chavis", "PERSON"), ("Jane Rowe", "PERSON"), ("Ms. Rowe", "PERSON"), ("Ben", "PERSON")])
    assert found == {
        ("person", "name:ben-chavis"): ("Ben Chavis", ["Ben Chavis", "Chavis", "Ben"]),
        ("person", "name:jane-rowe"): ("Jane Rowe", ["Jane Rowe", "Ms. Rowe"]),
    }


def test_a_surname_first_owned_by_a_linked_person_stays_his() -> None:
    body = "Joe Biden met Ann Biden there. Biden said so."
    found = names_of(world(), body, [("Joe Biden", "PERSON"), ("Ann Biden", "PERSON"), ("Biden", "PERSON")])
    assert found == {("person", "name:ann-biden"): ("Ann Biden", ["Ann Biden"])}


def test_lone_short_forms_stay_out() -> None:
    body = "Smith declined to comment. Ms. Rowe did too. Ben was away."
    assert names_of(world(), body, [("Smith", "PERSON"), ("Ms. Rowe", "PERSON"), ("Ben", "PERSON")]) == {}


@pytest.mark.parametrize(
    "surface, label",
    [
        ("firefighters", "ORG"), ("the nation", "GPE"), ("his father", "PERSON"), ("Monday", "PERSON"),
        ("President", "PERSON"), ("Americans", "GPE"), ("American", "ORG"), ("3M Unit 42", "ORG"),
        ("Chicago", "ORG"), ("Joe Biden", "ORG"), ("Hanover Insurance Co. Hanover", "ORG"),
        ("Defense Lloyd Austin", "ORG"), ("Secretary General", "PERSON"), ("January", "GPE"),
    ],
)
def test_non_names_never_become_values(surface: str, label: str) -> None:
    body = f"Officials said {surface} and {surface} were there, as {surface} was."
    assert names_of(world(), body, [(surface, label)] * 3) == {}


def test_places_must_be_written_as_places_and_one_word_orgs_twice() -> None:
    kb = world()
    assert names_of(kb, "Rain fell on Dunmore. Dunmore flooded.", [("Dunmore", "GPE"), ("Dunmore", "GPE")]) == {}
    assert names_of(kb, "Rain fell in Dunmore. Dunmore flooded.", [("Dunmore", "GPE"), ("Dunmore", "GPE")]) == {
        ("place", "name:dunmore"): ("Dunmore", ["Dunmore", "Dunmore"])
    }
    assert names_of(kb, "DUNMORE, Pa. - Rain fell.", [("DUNMORE", "GPE")]) == {}  # all capitals: no name words
    assert set(names_of(kb, "Rain fell on Dunmore, United States, as the storm passed over the town.", [("Dunmore", "GPE")])) == {("place", "name:dunmore")}  # an address
    assert names_of(kb, "Yet Brexit, Donald Trump and Brexit again.", [("Brexit", "GPE"), ("Brexit", "GPE")]) == {}
    assert set(names_of(kb, "Police in Lexington County said so.", [("Lexington County", "GPE")])) == {("place", "name:lexington-county")}
    for junk in ("Brexit", "North", "Morning Ireland"):  # tagged GPE, never written as a place
        assert names_of(kb, f"After {junk} came, {junk} stayed.", [(junk, "GPE"), (junk, "GPE")]) == {}
    for junk in ("Brexit", "East"):  # even "in Brexit", "in the East": words, not places
        assert names_of(kb, f"Talks in {junk} began. In {junk} they ended.", [(junk, "GPE"), (junk, "GPE")]) == {}
    assert names_of(kb, "Talks on Acmecorp began. Acmecorp said no.", [("Acmecorp", "ORG")]) == {}
    assert set(names_of(kb, "Talks on Acmecorp began. Acmecorp said no.", [("Acmecorp", "ORG"), ("Acmecorp", "ORG")])) == {("org", "name:acmecorp")}
    # a word the article writes in lower case, a common surname, a person's surname here
    assert names_of(kb, "Mercy came. Mercy left, showing mercy.", [("Mercy", "ORG"), ("Mercy", "ORG")]) == {}
    assert names_of(kb, "Johnson rose in Johnson. Johnson fell.", [("Johnson", "GPE"), ("Johnson", "GPE")]) == {}
    body = "Tom Zorblax spoke in Zorblax. Zorblax polled well."
    found = names_of(kb, body, [("Tom Zorblax", "PERSON"), ("Zorblax", "GPE"), ("Zorblax", "GPE")])
    assert set(found) == {("person", "name:tom-zorblax")}


@pytest.mark.parametrize(
    "surface, label",
    [
        ("Trump Tower", "PERSON"),  # a linked person's surname first (with "Donald Trump" in the text)
        ("Marine Le", "PERSON"), ("St Patrick", "PERSON"), ("U. S.", "PERSON"), ("Space Shuttles", "PERSON"),
        ("Supreme Court", "ORG"), ("Foreign Ministry", "ORG"), ("Senate", "ORG"), ("Coast Guard", "ORG"),
        ("Nikki Haley", "ORG"), ("Source:-Al Jazeera", "ORG"), ("R-New York", "GPE"), ("U.S. Attorney", "GPE"),
        ("President,\"?the White House", "ORG"), ("International Women’s Day", "ORG"),
        ("Maurice Mc Cabe", "ORG"), ("Lagan Valley MP", "ORG"), ("Taoiseach", "ORG"),
    ],
)
def test_news_junk_never_becomes_a_value(surface: str, label: str) -> None:
    kb = world()
    kb.add("Q22686", "person", "Donald Trump", popularity=300)
    body = f"Donald Trump spoke. In {surface} and in {surface}, the space program and shuttles were discussed, as {surface} said."
    found = names_of(kb, body, [("Donald Trump", "PERSON"), *[(surface, label)] * 3])
    assert found == {}


def test_fragments_of_longer_names_stay_out() -> None:
    kb = world()
    body = "The Islamic State of Iraq and the Levant spoke. Source:-Al Jazeera News reported, as Al Jazeera News did."
    found = names_of(kb, body, [("Islamic State of Iraq", "ORG"), ("Jazeera News", "ORG"), ("Jazeera News", "ORG")])
    assert found == {}
    body = "Speaking to Morning Ireland, he said Morning Ireland was wrong."
    assert names_of(kb, body, [("Morning Ireland", "GPE"), ("Morning Ireland", "GPE")]) == {}


def test_a_kb_person_spelt_another_way_is_not_a_second_value() -> None:
    kb = world()
    kb.add("Q44461", "person", "Bashar al-Assad", popularity=200)
    body = "Syrian President Bashar Assad spoke. Assad said so."
    assert names_of(kb, body, [("Bashar Assad", "PERSON"), ("Assad", "PERSON")]) == {}


def test_company_short_names_and_acronyms_fold() -> None:
    body = "Officials at Hanover Insurance Co said so. Hanover said profits rose. The National Action Network (NAN) met; NAN said no."
    found = names_of(world(), body, [
        ("Hanover Insurance Co", "ORG"), ("Hanover", "ORG"), ("National Action Network", "ORG"), ("NAN", "ORG"), ("NAN", "ORG"),
    ])
    assert found == {
        ("org", "name:hanover-insurance"): ("Hanover Insurance Co", ["Hanover Insurance Co", "Hanover"]),
        ("org", "name:national-action-network"): ("National Action Network", ["National Action Network", "NAN", "NAN"]),
    }


def test_the_document_carries_unlinked_values_beside_qids(pipeline, kb) -> None:
    from newslink.indexer.article import Article

    article = Article(id="u1", title="", text="Civil rights leader Ben Chavis met Joe Biden in Washington on Monday. Chavis said firefighters and his father agreed.")
    text = article.body_for_nlp
    links = pipeline.link_text(text)
    doc = build_document(article, links, kb.version, kb, unlinked=UnlinkedNames(kb).find(links, text))
    assert "Q6279" in doc["entities"]["person"] and "name:ben-chavis" in doc["entities"]["person"]
    unlinked = [e for e in doc["entity_list"] if e.get("unlinked")]
    assert [(e["qid"], e["label"], e["type"], e["count"]) for e in unlinked] == [("name:ben-chavis", "Ben Chavis", "person", 2)]
    assert all(not e.get("unlinked") for e in doc["entity_list"] if e["qid"].startswith("Q"))
    assert {m["text"] for m in doc["mentions"] if m.get("unlinked") == "name:ben-chavis"} == {"Ben Chavis", "Chavis"}
    values = {v for vs in doc["entities"].values() for v in vs}
    assert not any(w in v for v in values for w in ("firefighter", "father", "monday", "nation"))


# ---------------------------------------------------------------------------- CLI: filters, --unlinked, re-link
ARTICLES = [
    {"id": "u-1", "title": "March", "text": "Civil rights leader Ben Chavis spoke on Monday. Chavis said Joe Biden must act.", "published": "2017-02-01"},
    {"id": "u-2", "title": "Again", "text": "Ben Chavis returned on Tuesday with Jane Rowe. Chavis and Ms. Rowe spoke.", "published": "2017-02-02"},
    {"id": "u-3", "title": "Other", "text": "Joe Biden spoke in Washington. Smith declined to comment.", "published": "2017-02-03"},
]


@pytest.fixture()
def home(tmp_path: Path, kb, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(kb.path, home / "kb.sqlite")
    monkeypatch.setenv("NEWSLINK_HOME", str(home))
    monkeypatch.delenv("NEWSLINK_KB", raising=False)
    source = tmp_path / "u.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    assert run("index", str(source)).exit_code == 0
    return home


def run(*args: str):
    from newslink.search.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _facets(*args: str) -> dict:
    result = run("facets", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_one_name_in_two_articles_is_one_value_marked_unlinked(home: Path) -> None:
    person = _facets()["facets"]["person"]
    chavis = [b for b in person if b["qid"] == "name:ben-chavis"]
    assert chavis == [{"qid": "name:ben-chavis", "label": "Ben Chavis", "count": 2, "selected": False, "unlinked": True}]
    assert all(not b["unlinked"] for b in person if b["qid"].startswith("Q"))
    text = run("facets").stdout
    assert "Ben Chavis (name:ben-chavis, unlinked) 2" in text


def test_filters_take_unlinked_names(home: Path) -> None:
    by_name = json.loads(run("search", "--person", "Ben Chavis", "--json").stdout)
    by_key = json.loads(run("search", "--person", "name:ben-chavis", "--json").stdout)
    assert by_name["query"]["filters"] == {"person": ["name:ben-chavis"]}
    assert sorted(h["id"] for h in by_name["hits"]) == sorted(h["id"] for h in by_key["hits"]) == ["u-1", "u-2"]
    both = json.loads(run("search", "--person", "Ben Chavis", "--person", "Joe Biden", "--match", "all", "--json").stdout)
    assert [h["id"] for h in both["hits"]] == ["u-1"]
    either = json.loads(run("search", "--person", "Jane Rowe", "--person", "Joe Biden", "--json").stdout)
    assert sorted(h["id"] for h in either["hits"]) == ["u-1", "u-2", "u-3"]
    unknown = run("search", "--person", "Nobody Atall")
    assert unknown.exit_code == 2 and "unlinked names" in unknown.output


def test_facets_unlinked_lists_only_names(home: Path) -> None:
    out = _facets("--unlinked")
    assert set(out["facets"]) == {"person", "org", "place"}
    keys = [b["qid"] for buckets in out["facets"].values() for b in buckets]
    assert "name:ben-chavis" in keys and all(is_name_key(k) for k in keys)
    assert out["facets"]["person"][0]["qid"] == "name:ben-chavis"  # most frequent first
    assert "Smith" not in json.dumps(out)


def test_a_name_becomes_the_qid_after_the_kb_learns_it(home: Path) -> None:
    from itertools import chain

    from newslink.indexer.kb.build import EntityRecord, build_kb, starter_records

    build_kb(home / "kb.sqlite", chain(starter_records(), [EntityRecord("Q900301", "person", "Ben Chavis", popularity=30, description="civil rights leader")]), sources=["starter", "test"])
    result = run("reindex", "--json")
    assert result.exit_code == 0, result.output
    person = {b["qid"]: b for b in _facets()["facets"]["person"]}
    assert person["Q900301"]["count"] == 2 and not person["Q900301"]["unlinked"]
    assert "name:ben-chavis" not in person and "name:jane-rowe" in person  # nothing counted twice
    found = json.loads(run("search", "--person", "Ben Chavis", "--json").stdout)
    assert found["query"]["filters"] == {"person": ["Q900301"]} and found["total"] == 2


def test_api_lists_and_filters_unlinked_names(home: Path) -> None:
    from fastapi.testclient import TestClient

    from newslink.indexer.kb import KnowledgeBase
    from newslink.search.api import create_app
    from newslink.search.engines.embedded import EmbeddedEngine

    engine, kb = EmbeddedEngine(home, "articles"), KnowledgeBase(home / "kb.sqlite")
    try:
        with TestClient(create_app(engine, kb)) as client:
            listed = client.get("/search", params={"size": 0, "unlinked": "true"}).json()
            assert set(listed["facets"]) == {"person", "org", "place"} and listed["query"]["unlinked"] is True
            person = listed["facets"]["person"]
            assert person[0] == {"qid": "name:ben-chavis", "label": "Ben Chavis", "count": 2, "selected": False, "unlinked": True}
            assert all(b["unlinked"] and is_name_key(b["qid"]) for buckets in listed["facets"].values() for b in buckets)
            found = client.get("/search", params={"person": "Ben Chavis"}).json()
            assert found["total"] == 2 and found["query"]["filters"] == {"person": ["name:ben-chavis"]}
            assert all(any(e["qid"] == "name:ben-chavis" and e["unlinked"] for e in h["entities"]) for h in found["hits"])
            article = client.get("/articles/u-1").json()
            assert {m["text"] for m in article["mentions"] if m["unlinked"] == "name:ben-chavis"} >= {"Ben Chavis", "Chavis"}
            spec = client.get("/openapi.json").json()
            bucket = spec["components"]["schemas"]["FacetBucketModel"]["properties"]["unlinked"]
            assert bucket["type"] == "boolean" and "name:" in bucket["description"]
    finally:
        engine.close()
        kb.close()
