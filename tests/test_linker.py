"""Linking decisions on hand-written sentences, on the real spaCy pipeline and KB."""
from __future__ import annotations



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
    text = "Russia launched dozens of Shahed drones at Kyiv, while Israeli F-35 jets struck Gaza."
    got = facet_qids(pipeline, text)
    assert {"Q159", "Q801"} <= got  # Russia; Israel through the demonym
    weapons = {l.mention.text: l.qid for l in pipeline.link_text(text)}
    # NER calls "Shahed" NORP; the weapon noun after it makes one weapon mention. The KB
    # knows Shahed 136, 171 and 191 but no bare "Shahed": the mention stays NIL, never
    # the generic class "drone".
    assert "Shahed drones" in weapons and weapons["Shahed drones"] is None
    assert weapons["F-35 jets"] == "Q29261"


def test_a_named_weapon_system_is_never_its_generic_class(pipeline) -> None:
    got = {l.mention.text: (l.qid, l.label) for l in pipeline.link_text("North Korea tested a Musudan missile, and rebels fired Grad rockets.")}
    assert got.get("Musudan missile", (None,))[0] is None  # unknown system: NIL, not "missile"
    assert got["Grad rockets"][0] == "Q270289"  # a known one is itself


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


# --------------------------------------------------------------------------- disambiguation
def test_georgia_country_or_us_state_by_coherence(pipeline) -> None:
    assert links(pipeline, "Georgia held parliamentary elections.")["Georgia"] == "Q230"  # the prior
    caucasus = pipeline.link_text("Russia warned Georgia. Protesters filled the streets of Tbilisi, Georgia's capital.")
    assert {l.qid for l in caucasus if l.mention.text == "Georgia"} == {"Q230"}
    us = pipeline.link_text("Georgia's governor said Atlanta would host the convention. Georgia voters went to the polls.")
    assert {l.qid for l in us if l.mention.text == "Georgia"} == {"Q1428"}
    address = links(pipeline, "Delegates met in Atlanta, Georgia, on Monday.")
    assert address["Atlanta"] == "Q23556" and address["Georgia"] == "Q1428"


def test_jordan_the_country_with_its_demonym_and_capital(pipeline) -> None:
    got = links(pipeline, "King Abdullah of Jordan met Jordanian officials in Amman.")
    assert got["Jordan"] == "Q810" and got["Jordanian"] == "Q810"


def test_washington_is_the_capital_unless_the_state_is_meant(pipeline) -> None:
    assert links(pipeline, "Lawmakers in Washington passed the bill.")["Washington"] == "Q61"
    assert links(pipeline, "Seattle and Spokane are the largest cities in Washington.")["Washington"] == "Q1223"


def test_a_place_inside_a_longer_name_is_not_the_place(pipeline) -> None:
    for text in (
        "Georgia Power Co said it would raise rates.",
        "He studied at the University of Alabama and worked for Toronto-Dominion Bank.",
        "Chicago White Sox third baseman Kevin Youkilis is coming back.",
        "Darrell Brock, chairman of the Republican Party of Kentucky, attended.",
    ):
        assert not any(l.qid and l.type in ("place", "country") for l in pipeline.link_text(text)), text


def test_short_name_of_an_unknown_company_stays_nil(pipeline) -> None:
    got = links(pipeline, "Hanover Insurance Co said its stockholders approved a split. Hanover said the split is payable April 30.")
    assert got.get("Hanover") is None


def test_places_named_as_sports_teams_stay_nil(pipeline) -> None:
    for text in ("Boston beat Seattle 5-3 on Sunday.", "The texts mocked England captain Andrew Strauss."):
        assert not any(l.qid for l in pipeline.link_text(text) if l.type in ("place", "country")), text


def test_surname_of_a_person_the_kb_does_not_know(pipeline) -> None:
    got = links(pipeline, "Betty Ford died on Friday. Ford was 93.")
    assert got["Betty Ford"] is None and got["Ford"] is None  # not Gerald Ford, not the carmaker


def test_state_abbreviations_in_addresses(pipeline) -> None:
    got = links(pipeline, "BIRMINGHAM, Ala. - Officials said. LAFAYETTE, La. - Police said.")
    assert got["Ala."] == "Q173" and got["La."] == "Q1588"  # Louisiana, not "LA"
    assert got["BIRMINGHAM"] is None  # not the English city
    assert links(pipeline, "He lives in Paris, Texas.")["Paris"] is None


def test_confidence_is_a_probability_and_the_threshold_holds(pipeline) -> None:
    result = pipeline.link_text("Joe Biden met Benjamin Netanyahu in Washington. Georgia voters and Iranian officials watched.")
    for l in result:
        assert 0.0 <= l.confidence <= 1.0
        if l.qid:
            assert l.confidence >= pipeline.linker.threshold
    by_text = {l.mention.text: l for l in result}
    assert by_text["Joe Biden"].confidence >= 0.9  # one candidate, named in full
    assert by_text["Georgia"].confidence < by_text["Joe Biden"].confidence  # namesakes share the mass


def all_links(pipeline, text: str) -> list[tuple[str, int, str | None, str]]:
    return [(l.mention.text, l.mention.start, l.qid, l.mention.source) for l in pipeline.link_text(text)]


def test_bare_surnames_the_ner_missed_follow_the_full_name(pipeline) -> None:
    text = (
        "Barbara Walters stands by Rosie O'Donnell. 'View' host denies the claim. "
        "Walters said on Wednesday she was not leaving, and Walters added that the show goes on."
    )
    got = all_links(pipeline, text)
    walters = [(start, qid) for surface, start, qid, _ in got if surface == "Walters"]
    assert [start for start, _ in walters] == [m.start() for m in __import__("re").finditer(r"(?<!Barbara )Walters", text)]
    assert {qid for _, qid in walters} == {"Q231417"}
    # The person named first owns the bare surname (news style: others get first names);
    # when that is someone the KB does not know, a bare "Walters" is nobody's.
    got = all_links(pipeline, text + " Vernon Walters was no relation.")
    assert {qid for surface, _, qid, _ in got if surface == "Walters"} == {"Q231417"}
    got = all_links(pipeline, "Vernon Walters, a diplomat, met Barbara Walters. Walters said on Wednesday he was leaving.")
    assert all(qid is None for surface, _, qid, _ in got if surface == "Walters")


def test_a_surname_that_is_also_a_place_is_not_taken_for_the_person(pipeline) -> None:
    got = all_links(pipeline, "Michael Jordan met officials. Later that week the talks moved to Amman and Jordan agreed.")
    assert not any(source == "coref" and surface == "Jordan" for surface, _, _, source in got)


def test_arabic_article_in_a_full_name_and_the_bare_surname(pipeline) -> None:
    got = links(pipeline, "BAGHDAD - An adviser to Prime Minister Nouri al-Maliki spoke on Sunday. Maliki said the probe would go on.")
    assert got["Nouri al-Maliki"] == "Q57673" and got["Maliki"] == "Q57673"


def test_company_names_with_their_legal_form(pipeline) -> None:
    got = links(pipeline, "Shares of General Motors Corp rose while International Business Machines Corp fell.")
    assert got.get("General Motors Corp") == "Q81965" and got.get("International Business Machines Corp") == "Q37156"
    british = links(pipeline, "General Electric Co Plc of Britain said its defence arm won the order.")
    assert british.get("General Electric Co Plc") != "Q54173", "a Plc is not the American General Electric"


def test_relinking_gives_back_the_coreference_mentions(pipeline, kb) -> None:
    from newslink.indexer.article import Article
    from newslink.indexer.document import build_document
    from newslink.indexer.linking import Linker
    from newslink.indexer.relink import relink_document

    article = Article(id="w", title="Barbara Walters stands by Rosie O'Donnell", text="'View' host denies the claim. Walters said on Wednesday that she was not leaving. Walters added more.")
    doc = build_document(article, pipeline.link_text(article.body_for_nlp), kb.version)
    assert any(m["source"] == "coref" for m in doc["mentions"])
    again = relink_document(doc, Linker(kb), kb.version)
    assert again["mentions"] == doc["mentions"] and again["entities"] == doc["entities"]


def test_acronym_of_an_organisation_named_in_full(pipeline) -> None:
    got = all_links(pipeline, "Bags piled up, said British Airways, the airline worst affected. BA said on Wednesday it had more staff.")
    assert [qid for surface, _, qid, _ in got if surface in ("British Airways", "BA")] == ["Q8766", "Q8766"]


def test_datelines_and_places_after_in_are_places_even_in_sports_stories(pipeline) -> None:
    text = (
        "Saban takes the Alabama job\n\nTUSCALOOSA, Ala. - Nick Saban was introduced as coach on Thursday. The quarterback "
        "threw two touchdowns in the playoffs, the pitcher lost in overtime, and the NFL and NBA seasons go on. "
        "They lost a game in Chicago last week. Boston beat Seattle 5-3."
    )
    got = links(pipeline, text)
    assert got["Ala."] == "Q173" and got["Chicago"] == "Q1297"
    assert got.get("Boston") is None and got.get("Seattle") is None  # the teams stay NIL


def test_a_company_named_with_a_country_abbreviation_does_not_hide_the_country(pipeline) -> None:
    got = all_links(pipeline, "A passenger flew US Airways. A civil rights group called the U.S. authorities' treatment unfair.")
    assert [qid for surface, _, qid, _ in got if surface == "U.S."] == ["Q30"]


def test_a_surname_that_is_also_a_common_word_or_a_month_is_not_looked_for_bare(pipeline) -> None:
    got = all_links(pipeline, "Condoleezza Rice visited Manila. Rice prices rose after the rice harvest failed.")
    assert not any(source == "coref" for _, _, _, source in got)
    got = all_links(pipeline, "Theresa May spoke in London. The deal was signed in May 2017 and takes effect in June.")
    assert not any(source == "coref" and surface == "May" for surface, _, _, source in got)


def test_a_company_of_a_place_is_two_mentions(pipeline) -> None:
    got = all_links(pipeline, "The firm named Ozaki Trading Co Ltd of Osaka as its agent. Montedison SPA of Italy said profit rose.")
    linked = {surface: qid for surface, _, qid, _ in got}
    assert linked.get("Osaka") == "Q35765" and linked.get("Italy") == "Q38"
    assert "Ozaki Trading Co Ltd of Osaka" not in linked and "SPA of Italy" not in linked
    assert links(pipeline, "He studied at the University of Alabama for years.").get("Alabama") is None  # "X of Y" names stay whole


def test_a_bare_institution_name_is_the_institution_of_the_country_the_article_is_about(pipeline) -> None:
    us = links(pipeline, "The United States imposed tariffs. The Senate voted on Tuesday, and U.S. officials said the Navy would patrol.")
    assert us.get("Senate") == "Q66096" and us.get("Navy") == "Q11220"
    japan = links(pipeline, "Japan's economy grew. The Supreme Court ruled on Friday, Japanese media said, and Japan will appeal.")
    assert japan.get("Supreme Court") == "Q1142255"
    nowhere = links(pipeline, "The Supreme Court ruled on Friday that the law stands.")
    assert nowhere.get("Supreme Court") is None  # no country to tell whose


def test_institution_names_are_read_off_both_label_shapes(kb) -> None:
    from newslink.indexer.linking import Linker

    table = Linker(kb).institutions.table()
    assert table["senate"]["Q30"] == "Q66096"  # "United States Senate"
    assert table["supreme court"]["Q30"] == "Q11201" and table["supreme court"]["Q17"] == "Q1142255"  # "... of (the) X"
    assert "democrats" not in table  # "Sweden Democrats" is a party, no state's own
    assert "Q30" not in table.get("bank", {})  # "Bank of America" is a company; "Bank of Japan" (central bank) stays
