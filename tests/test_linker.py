"""Linking decisions on hand-written sentences, on the real spaCy pipeline and KB."""
from __future__ import annotations

import pytest


def links(pipeline, text: str) -> dict[str, str | None]:
    return {l.mention.text: l.qid for l in pipeline.link_text(text)}


def facet_qids(pipeline, text: str) -> set[str]:
    return {l.qid for l in pipeline.link_text(text) if l.qid}


def test_full_names_and_surnames(pipeline) -> None:
    got = links(pipeline, "President Joe Biden called Benjamin Netanyahu on Sunday. Biden urged restraint and Netanyahu agreed.")
    assert got["Joe Biden"] == "Q6279" and got["Biden"] == "Q6279"
    assert got["Benjamin Netanyahu"] == "Q43723" and got["Netanyahu"] == "Q43723"


def test_demonyms_resolve_to_countries(pipeline) -> None:
    got = links(pipeline, "Iranian officials met Israeli and American diplomats.")
    assert got["Iranian"] == "Q794" and got["Israeli"] == "Q801" and got["American"] == "Q30"


def test_jordan_country_vs_person(pipeline) -> None:
    assert links(pipeline, "Jordan and Egypt condemned the strike on Gaza.")["Jordan"] == "Q810"
    person = pipeline.link_text("Michael Jordan scored 40 points for the Bulls. Jordan later retired.")
    assert all(l.qid != "Q810" for l in person), "a basketball player is never the country"


def test_weapons_found_by_the_gazetteer(pipeline) -> None:
    got = facet_qids(pipeline, "Russia launched dozens of Shahed drones at Kyiv, while Israel's Iron Dome intercepted rockets from Gaza.")
    assert "Q801" in got  # Israel
    weapons = {l.qid for l in pipeline.link_text("Russia launched dozens of Shahed drones at Kyiv, while Israel's Iron Dome intercepted rockets.") if l.type == "weapon"}
    assert len(weapons) == 2, weapons


def test_unknown_names_stay_nil(pipeline) -> None:
    result = pipeline.link_text("Zxqvbn Plorkington met Wibblestan's foreign minister.")
    assert all(l.qid is None for l in result)
    assert any(l.mention.text.startswith("Zxqvbn") for l in result), "NIL mentions are kept"


def test_seed_article_facets(pipeline) -> None:
    from conftest import REPO

    text = (REPO / "examples" / "000_0bbcda579d155b64.txt").read_text()
    got = facet_qids(pipeline, text)
    assert {"Q6279", "Q43723", "Q794", "Q801", "Q30", "Q805", "Q796", "Q810"} <= got


def test_no_facet_value_outside_the_article(pipeline, kb) -> None:
    """Precision: every linked entity's label or alias occurs in the text."""
    from conftest import REPO
    from newslink.indexer.normalize import normalize_alias

    text = (REPO / "examples" / "000_0bbcda579d155b64.txt").read_text()
    for link in pipeline.link_text(text):
        if link.qid:
            assert normalize_alias(link.mention.text) in {normalize_alias(x) for x in (kb.entity(link.qid).label, *kb.entity(link.qid).aliases)} or link.method in ("coref", "surname", "demonym"), link
