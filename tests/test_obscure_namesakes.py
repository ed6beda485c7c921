"""Obscure namesakes of a Wikidata-scale KB (indexer/linking/obscure.py), on an
in-memory KB shaped like a generated dump's import: a famous person beside dozens
of minor namesakes with a sitelink or two, minor people the news does not mean, and
an obscure company whose acronym is a common title. No spaCy: mentions written by hand."""
from __future__ import annotations

import pytest

from newslink.indexer.linking import MemoryKB, scoring

from test_linking_parts import link


def namesake_world(minor_smiths: int = 60) -> MemoryKB:
    kb = MemoryKB()
    kb.add("Q30", "country", "United States", popularity=330, description="country in North America", aliases=["U.S."])
    kb.add("Q16", "country", "Canada", popularity=310, description="country in North America", demonyms=["Canadian"])
    kb.add("Q1000", "person", "John Smith", popularity=20, description="British Labour politician")
    for i in range(minor_smiths):  # a sitelink or two each (Wikidata's long tail), some up to a famous one's eighth
        kb.add(f"Q7{i:05d}", "person", "John Smith", popularity=3 + i % 6, description="American physician")
    kb.add("Q702066550", "person", "John Vincent", popularity=2, description="Canadian businessperson")
    kb.add("Q700044260", "person", "Larry Brown", popularity=0, description="Iranian military officer")
    kb.add("Q702261673", "person", "Jason Williams", popularity=0, description="Turkish physician")
    kb.add("Q705000001", "person", "Dana Whitfield", popularity=4, description="American basketball coach")
    kb.add("Q706000001", "org", "Cormiqu Energy", kind="company", popularity=0, description="Canadian company", aliases=["CEO"])
    return kb


def test_a_stranger_does_not_link_to_an_obscure_namesake() -> None:
    kb = namesake_world()
    body = "John Vincent, a neighbour, said Larry Brown and Jason Williams had left the town before the storm."
    got = link(kb, body, [("John Vincent", "PERSON"), ("Larry Brown", "PERSON"), ("Jason Williams", "PERSON")])
    assert got == {("John Vincent", 0): None, ("Larry Brown", 0): None, ("Jason Williams", 0): None}


def test_the_famous_one_keeps_its_name_among_dozens_of_minor_namesakes(monkeypatch: pytest.MonkeyPatch) -> None:
    body = "John Smith told Parliament on Monday that the party would vote against the budget."
    assert link(namesake_world(60), body, [("John Smith", "PERSON")])[("John Smith", 0)] == "Q1000"
    # The rule is what keeps it: without it the 60 minor namesakes (popularity 3-8, above
    # the famous one's eighth) take the share of the softmax down to NIL.
    monkeypatch.setattr(scoring, "without_obscure", lambda cands, scope: cands)
    assert link(namesake_world(60), body, [("John Smith", "PERSON")])[("John Smith", 0)] is None


def test_an_article_that_says_more_than_the_name_links_the_obscure_one() -> None:
    kb = namesake_world()
    body = "Dana Whitfield, the basketball coach, led the team to a third title as coach of the year."
    assert link(kb, body, [("Dana Whitfield", "PERSON")])[("Dana Whitfield", 0)] == "Q705000001"
    # One shared word of the description ("coach") is not enough.
    body = "Dana Whitfield, a retired teacher, praised the new coach of the school team."
    assert link(kb, body, [("Dana Whitfield", "PERSON")])[("Dana Whitfield", 0)] is None


def test_an_obscure_company_by_an_acronym_needs_its_name_in_the_article() -> None:
    kb = namesake_world()
    body = "The CEO said profits rose."
    assert link(kb, body, [("CEO", "ORG")])[("CEO", 0)] is None
    body = "Cormiqu Energy said profits rose. CEO shares gained 3 percent."
    got = link(kb, body, [("Cormiqu Energy", "ORG"), ("CEO", "ORG")])
    assert got[("CEO", 0)] == "Q706000001"
