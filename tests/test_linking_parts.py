"""The parts of linking one at a time, on an in-memory KB built for each case:
no spaCy, no SQLite. Mentions are written by hand as NER would give them."""
from __future__ import annotations

import re

import pytest

from newslink.indexer.linking import Linker, MemoryKB, Mention, Scorer
from newslink.indexer.linking.candidates import AliasCandidates, FirstOf, LegalFormCandidates, SurfaceFilter, without_legal_form
from newslink.indexer.linking.context import DocumentContext
from newslink.indexer.linking.coref import acronym, repeated_surnames
from newslink.indexer.linking.features import MentionScope, bare_label, description_overlap, prior, sports_team
from newslink.indexer.linking.geo import Geography
from newslink.indexer.linking.institutions import home_country
from newslink.indexer.linking.sports import SportsWords, in_dateline


def world() -> MemoryKB:
    """A few real entities with their namesakes (QIDs and descriptions as on Wikidata)."""
    kb = MemoryKB()
    kb.add("Q30", "country", "United States", popularity=330, description="country in North America", aliases=["U.S.", "US", "USA"], demonyms=["American", "Americans"])
    kb.add("Q230", "country", "Georgia", popularity=250, description="country in the Caucasus", demonyms=["Georgian"])
    kb.add("Q1428", "place", "Georgia", kind="us_state", popularity=160, description="state of the United States of America")
    kb.add("Q994", "place", "Tbilisi", kind="capital", popularity=170, description="capital of Georgia")
    kb.add("Q23556", "place", "Atlanta", kind="city", popularity=150, description="capital of Georgia, United States")
    kb.add("Q810", "country", "Jordan", popularity=260, description="country in West Asia", demonyms=["Jordanian"])
    kb.add("Q3860", "place", "Amman", kind="capital", popularity=150, description="capital of Jordan")
    kb.add("Q41421", "person", "Michael Jordan", popularity=140, description="American basketball player")
    kb.add("Q6279", "person", "Joe Biden", popularity=200, description="president of the United States")
    kb.add("Q1420", "person", "Jill Biden", popularity=60, description="first lady of the United States")
    kb.add("Q8766", "org", "British Airways", kind="company", popularity=80, description="flag carrier airline of the United Kingdom")
    kb.add("Q145", "country", "United Kingdom", popularity=320, description="country in north-west Europe", aliases=["UK", "Britain"], demonyms=["British"])
    kb.add("Q24826", "place", "Liverpool", kind="city", popularity=150, description="city in Merseyside, England")
    kb.add("Q84", "place", "London", kind="capital", popularity=250, description="capital of the United Kingdom")
    kb.add("Q61", "place", "Washington, D.C.", kind="capital", popularity=240, description="capital city of the United States", aliases=["Washington"])
    kb.add("Q1223", "place", "Washington", kind="us_state", popularity=150, description="state of the United States of America")
    kb.add("Q1297", "place", "Chicago", kind="city", popularity=200, description="city in Illinois, United States")
    return kb


def mention(text: str, body: str, label: str | None, nth: int = 0) -> Mention:
    starts = [m.start() for m in re.finditer(re.escape(text), body)]
    start = starts[nth]
    return Mention(start, start + len(text), text, label, "ner" if label else "kb")


def link(kb: MemoryKB, body: str, spans: list[tuple[str, str | None]]) -> dict[tuple[str, int], str | None]:
    """Link hand-made mentions: (surface, NER label) in order of appearance."""
    seen: dict[str, int] = {}
    mentions = []
    for text, label in spans:
        mentions.append(mention(text, body, label, seen.get(text, 0)))
        seen[text] = seen.get(text, 0) + 1
    mentions.sort(key=lambda m: m.start)
    out: dict[tuple[str, int], str | None] = {}
    counts: dict[str, int] = {}
    for l in Linker(kb).link(mentions, body):
        n = counts.get(l.mention.text, 0)
        counts[l.mention.text] = n + 1
        out[(l.mention.text, n)] = l.qid
    return out


# ---------------------------------------------------------------------- candidate generators
def test_alias_candidates_filter_types_and_spelling() -> None:
    kb = world()
    gen = AliasCandidates(kb, SurfaceFilter(kb))
    doc = DocumentContext("Jordan said Us and US differ.")
    assert gen(mention("Jordan", doc.text, "GPE"), doc).qids == {"Q810"}  # a GPE is no person
    assert not gen(mention("Jordan", doc.text, "PERSON"), doc)  # only the surname of a person
    assert AliasCandidates(kb, SurfaceFilter(kb), surnames=True)(mention("Jordan", doc.text, "PERSON"), doc).qids == {"Q41421"}
    assert not gen(mention("Us", doc.text, "GPE"), doc)  # mixed case is not the acronym
    assert gen(mention("US", doc.text, "GPE"), doc).qids == {"Q30"}


def test_surnames_are_candidates_only_when_asked_for() -> None:
    kb = world()
    doc = DocumentContext("Biden spoke.")
    m = mention("Biden", doc.text, "PERSON")
    assert not AliasCandidates(kb, SurfaceFilter(kb))(m, doc)
    assert AliasCandidates(kb, SurfaceFilter(kb), surnames=True)(m, doc).qids == {"Q6279", "Q1420"}


def test_legal_form_stripping_and_chaining() -> None:
    kb = world()
    assert without_legal_form("British Airways Plc") == "British Airways" and without_legal_form("British Airways") is None
    doc = DocumentContext("British Airways Plc said.")
    chain = FirstOf(AliasCandidates(kb, SurfaceFilter(kb)), LegalFormCandidates(kb, Geography(kb)))
    found = chain(mention("British Airways Plc", doc.text, "ORG"), doc)
    assert found.qids == {"Q8766"} and found.generator == "legal-form" and found.form == "British Airways"


def test_an_acronym_is_the_initials_of_a_multiword_name() -> None:
    assert acronym("British Airways") == "BA" and acronym("Federal Bureau of Investigation") == "FBI"
    assert acronym("Reuters") is None


# ---------------------------------------------------------------------- features and scoring
def test_features_are_named_numbers() -> None:
    kb = world()
    doc = DocumentContext("Georgia's governor in Atlanta")
    m = mention("Georgia", doc.text, None)
    scope = MentionScope(m, doc, Geography(kb))
    state = next(c for c in kb.candidates("Georgia") if c.entity.qid == "Q1428")
    assert prior(m, state, scope) == pytest.approx(5.081, abs=1e-3)  # log1p(160)
    assert bare_label(m, state, scope) == 1.0  # the gazetteer found the label itself
    assert description_overlap(m, state, scope) == 0.0  # "state", "United States" are generic
    assert sports_team(m, state, scope) == 1.0


def test_scorer_switches_turn_feature_groups_off() -> None:
    kb = world()
    doc = DocumentContext("Georgia")
    scope = MentionScope(mention("Georgia", doc.text, "GPE"), doc, Geography(kb))
    cands = kb.candidates("Georgia")
    with_prior = Scorer().rank(cands, scope)
    without = Scorer(use_prior=False).rank(cands, scope)
    assert with_prior[0].cand.entity.qid == "Q230"  # the country is the more popular namesake
    assert without[0].share == pytest.approx(0.5)  # nothing left to tell them apart
    explained = Scorer().rank(cands, scope, explain=True)
    assert set(explained[0].features) >= {"prior", "other_mentions", "located"}


# ---------------------------------------------------------------------- decisions
def test_georgia_by_coherence() -> None:
    kb = world()
    assert link(kb, "Georgia held elections.", [("Georgia", "GPE")])[("Georgia", 0)] == "Q230"
    body = "Georgia's governor said Atlanta would host the convention."
    assert link(kb, body, [("Georgia", "GPE"), ("Atlanta", "GPE")])[("Georgia", 0)] == "Q1428"
    body = "Protesters filled Tbilisi, and Georgia's government fell."
    assert link(kb, body, [("Tbilisi", "GPE"), ("Georgia", "GPE")])[("Georgia", 0)] == "Q230"


def test_an_address_decides_the_container() -> None:
    kb = world()
    got = link(kb, "Delegates met in Atlanta, Georgia, on Monday.", [("Atlanta", "GPE"), ("Georgia", "GPE")])
    assert got[("Atlanta", 0)] == "Q23556" and got[("Georgia", 0)] == "Q1428"


def test_jordan_country_vs_person() -> None:
    kb = world()
    got = link(kb, "Jordan and Jordanian officials met in Amman.", [("Jordan", "GPE"), ("Jordanian", "NORP"), ("Amman", "GPE")])
    assert got[("Jordan", 0)] == "Q810" and got[("Jordanian", 0)] == "Q810"
    got = link(kb, "Michael Jordan scored. Jordan later retired.", [("Michael Jordan", "PERSON"), ("Jordan", "PERSON")])
    assert got[("Michael Jordan", 0)] == "Q41421" and got[("Jordan", 0)] == "Q41421"


def test_a_bare_surname_follows_the_person_named_in_full() -> None:
    kb = world()
    got = link(kb, "Joe Biden visited a school. Biden said teachers matter.", [("Joe Biden", "PERSON"), ("Biden", "PERSON")])
    assert got[("Biden", 0)] == "Q6279"
    # Jill is named in full, but her far more prominent husband shares the surname: nobody.
    got = link(kb, "Jill Biden visited a school. Biden said teachers matter.", [("Jill Biden", "PERSON"), ("Biden", "PERSON")])
    assert got[("Jill Biden", 0)] == "Q1420" and got[("Biden", 0)] is None


def test_the_surname_of_an_unknown_person_stays_nil() -> None:
    kb = world()
    got = link(kb, "Hunter Jordanson spoke. Then Ann Biden, a teacher, said Biden was tired.", [("Hunter Jordanson", "PERSON"), ("Ann Biden", "PERSON"), ("Biden", "PERSON")])
    assert got[("Ann Biden", 0)] is None and got[("Biden", 0)] is None


def test_a_demonym_is_its_country() -> None:
    kb = world()
    assert link(kb, "American diplomats left.", [("American", "NORP")])[("American", 0)] == "Q30"


def test_an_acronym_after_the_full_name() -> None:
    kb = world()
    got = link(kb, "British Airways cancelled flights. BA said staff were short.", [("British Airways", "ORG"), ("BA", "ORG")])
    assert got[("BA", 0)] == "Q8766"


def test_liverpool_in_a_match_report_is_the_team_not_the_city() -> None:
    kb = world()
    body = "Liverpool beat Chelsea 2-1 in the Premier League; the striker scored twice after halftime."
    assert link(kb, body, [("Liverpool", "GPE")])[("Liverpool", 0)] is None
    assert link(kb, "Floods hit Liverpool on Monday.", [("Liverpool", "GPE")])[("Liverpool", 0)] == "Q24826"


def test_a_dateline_is_a_place_even_in_a_sports_story() -> None:
    text = "CHICAGO - The quarterback threw two touchdowns in the playoffs, the pitcher lost in overtime; NFL and NBA news."
    words = SportsWords(text)
    m = mention("CHICAGO", text, "GPE")
    assert words.story and in_dateline(text, m) and not words.named_as_team(m)


def test_home_country_needs_two_mentions_and_no_tie() -> None:
    assert home_country(["Q30", "Q30", "Q145"]) == "Q30"
    assert home_country(["Q30"]) is None and home_country(["Q30", "Q30", "Q145", "Q145"]) is None


def test_repeated_surname_scan_is_linear_in_the_mentions() -> None:
    """Thousands of mentions in one article: each occurrence is checked against them by
    bisection (the old scan compared every occurrence with every mention)."""
    kb = world()
    sentence = "Joe Biden spoke in London, and then Biden left. "
    body = sentence * 2000
    mentions = []
    for i in range(2000):
        base = i * len(sentence)
        mentions.append(Mention(base, base + 9, "Joe Biden", "PERSON", "ner"))
        mentions.append(Mention(base + 19, base + 25, "London", "GPE", "ner"))
    links = Linker(kb).link(mentions, body)
    from newslink.indexer.linking.coref import PeopleNamed

    found = repeated_surnames(kb, body, mentions, links, PeopleNamed(kb, links, 0.5), 0.9)
    assert len(found) == 2000 and {l.qid for l in found} == {"Q6279"}


def test_one_linker_serves_documents_in_any_order() -> None:
    """No per-document state on the linker: the same article links the same way
    whatever was linked before it."""
    kb = world()
    linker = Linker(kb)
    a = "Georgia's governor said Atlanta would host the convention."
    ma = [mention("Georgia", a, "GPE"), mention("Atlanta", a, "GPE")]
    b = "Liverpool beat Chelsea 2-1; the striker scored after halftime in the Premier League."
    mb = [mention("Liverpool", b, "GPE")]
    first = [(l.qid, l.confidence) for l in linker.link(ma, a)]
    linker.link(mb, b)
    assert [(l.qid, l.confidence) for l in linker.link(ma, a)] == first


def test_explain_lists_candidates_with_feature_values() -> None:
    kb = world()
    body = "Georgia's governor said Atlanta would host the convention."
    notes = Linker(kb).explain([mention("Georgia", body, "GPE"), mention("Atlanta", body, "GPE")], body)
    georgia = next(n for n in notes if n.mention.text == "Georgia")
    assert georgia.link.qid == "Q1428"
    assert [c.cand.entity.qid for c in georgia.choices] == ["Q1428", "Q230"]
    assert georgia.choices[0].features["located"] > 0  # Atlanta lies in the state
    assert georgia.to_dict()["candidates"][0]["confidence"] == pytest.approx(georgia.link.confidence, abs=1e-4)


def test_an_honorific_before_a_place_name_makes_it_a_person() -> None:
    kb = world()
    assert link(kb, "Mr Chicago, the school's head, said no.", [("Chicago", None)])[("Chicago", 0)] is None
    assert link(kb, "Snow fell on Chicago, the forecasters said.", [("Chicago", None)])[("Chicago", 0)] == "Q1297"


def test_links_and_unlinked_names_cross_processes_whole() -> None:
    """Workers pickle every link back to the job by its fields (``__reduce__``): nothing is lost."""
    import pickle

    from newslink.indexer.linking.model import Link
    from newslink.indexer.linking.unlinked import UnlinkedName

    m = Mention(4, 13, "Joe Biden", "PERSON", "ner")
    items = [m, Link(m, "Q6279", "person", "Joe Biden", 0.9731, "label"), Link.nil(Mention(0, 3, "Foo", None, "kb"), "no-candidate"),
             UnlinkedName("name:ben-chavis", "person", "Ben Chavis", [2, 7])]
    back = pickle.loads(pickle.dumps(items))
    assert back == items and [type(x) for x in back] == [type(x) for x in items]
    assert back[3].mentions is not items[3].mentions  # a copy, not the worker's list
