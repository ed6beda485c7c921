"""Classes of confident wrong links seen on real news, pinned on sentences written
for the tests (issue 13). Each class is a rule of the linker, not a case: the
sentences differ from the corpus ones that showed the problem."""
from __future__ import annotations

import pytest


def linked(pipeline, text: str) -> list[tuple[str, str | None, str]]:
    return [(l.mention.text, l.qid, l.method) for l in pipeline.link_text(text)]


def qids_of(pipeline, text: str, surface: str) -> set[str | None]:
    return {qid for s, qid, _ in linked(pipeline, text) if s == surface}


PEOPLE_FROM_ONE_WORD = [
    # a first or middle name of someone named in full elsewhere is not them
    ("Sir John, a retired father of three, said Donald Trump was wrong. John said he would vote anyway.", "John"),
    ("Dan Patrick, the lieutenant governor, spoke after Tom Brady's win. Patrick praised the team.", "Patrick"),
    # a first name alone, with nobody named in full
    ("Paul, a patient at the clinic, waited six months for treatment.", "Paul"),
    ("Ali, a cartoon fox, is the hero of the new children's book.", "Ali"),
    # a family, a thing, a common word
    ("The Jobs family lived next door; the Jobs' neighbor called police.", "Jobs"),
    ("Rice wine and noodles are staples. Rice is cheap here.", "Rice"),
    ("The Brown ruling desegregated schools in 1954.", "Brown"),
    ("Gore Fabrics is the maker of the Gore-Tex products.", "Gore"),
    # a role introduces someone else; a place that is also a surname
    ("The agent Sanders sent the hacker a message on Monday.", "Sanders"),
    ("Kerry, Cork and Dublin post offices were robbed.", "Kerry"),
    ("Jordan's representatives met Egyptian officials. Jordan said talks would continue.", "Jordan"),
]


@pytest.mark.parametrize("text,surface", PEOPLE_FROM_ONE_WORD)
def test_no_famous_person_from_a_lone_word(pipeline, kb, text: str, surface: str) -> None:
    for qid in qids_of(pipeline, text, surface):
        assert qid is None or kb.entity(qid).type != "person", (surface, qid)


def test_a_surname_shared_by_family_members(pipeline) -> None:
    # named first owns the bare surname; a far more prominent namesake blocks a lesser one
    assert qids_of(pipeline, "Ivanka Trump launched a new brand. Trump said the tariffs were unfair.", "Trump") <= {None}
    text = "Gerald Ford was buried on Wednesday beside his wife Betty Ford. Ford served as president."
    assert qids_of(pipeline, text, "Ford") - {None} <= {"Q9582"}
    got = linked(pipeline, "Pierre Trudeau governed Canada for years; his son Justin Trudeau now leads it. Trudeau said he was proud.")
    assert all(qid is None for s, qid, _ in got if s in ("Trudeau", "Pierre Trudeau"))


def test_an_office_or_a_government_makes_a_common_surname_a_person(pipeline) -> None:
    assert qids_of(pipeline, "Critics of the Carter administration said inflation was too high.", "Carter") == {"Q23685"}
    assert qids_of(pipeline, "Prime Minister May will write a letter to the European Union.", "May") == {"Q264766"}
    # but not between namesakes of similar standing
    assert qids_of(pipeline, "President Bush spoke to reporters in Texas.", "Bush") <= {None}


def test_short_forms_across_types(pipeline) -> None:
    assert qids_of(pipeline, "The UN said aid was blocked. UN officials warned of famine.", "UN") == {"Q1065"}
    assert qids_of(pipeline, "John Smith, M.D., treated the patients at the clinic.", "M.D.") <= {None}
    assert qids_of(pipeline, "Officials in Rapid City, S.D., closed the schools.", "S.D.") == {"Q1211"}
    assert qids_of(pipeline, "The Roma community in Slovakia faces discrimination.", "Roma") <= {None}
    assert qids_of(pipeline, "Bayern signed a new striker from Dortmund.", "Bayern") <= {None}


def test_datelines_are_the_city_and_one_name_is_one_place(pipeline) -> None:
    for text in (
        "Tariffs loom\n\nWASHINGTON, February 7. /TASS/. The Senate passed the bill. Washington lawmakers celebrated.",
        "Tariffs loom\n\nWASHINGTON (Reuters) - The Senate passed the bill on Tuesday.",
        "Tariffs loom\n\nWASHINGTON - The Senate passed the bill on Tuesday.",
    ):
        assert qids_of(pipeline, text, "WASHINGTON") == {"Q61"}, text
        assert qids_of(pipeline, text, "Washington") <= {"Q61"}, text


def test_named_weapon_systems_stay_distinct(pipeline) -> None:
    got = {s: qid for s, qid, _ in linked(pipeline, "Russia deployed Iskander missiles near Kaliningrad; North Korea tested a Musudan missile.")}
    assert got.get("Iskander missiles") is None and got.get("Musudan missile") is None  # never the class "missile"


def test_an_ethnicity_is_not_a_country_or_continent(pipeline) -> None:
    got = linked(pipeline, "She teaches African American studies, and African-American voters turned out.")
    assert all(qid is None for s, qid, _ in got if s in ("African", "American", "African-American"))
    assert qids_of(pipeline, "American diplomats left Kabul.", "American") == {"Q30"}


def test_a_generic_class_is_never_a_facet_value(pipeline, kb) -> None:
    for text in ("ADMIRAL KUZNETSOV AIRCRAFT CARRIER - The ship sailed north.", "Drones flew over the city. Missiles followed."):
        for _s, qid, _m in linked(pipeline, text):
            assert qid is None or not kb.entity(qid).label[:1].islower(), (text, qid)


def test_a_lower_case_word_is_not_a_name(pipeline) -> None:
    for _s, qid, _m in linked(pipeline, "The officers shared intel with the army, and apple prices rose."):
        assert qid is None
    assert qids_of(pipeline, "Somali-American families welcomed the president.", "Somali") <= {None}


def test_names_that_start_lower_case_and_relations_between_two_countries(pipeline) -> None:
    # only weapon classes are refused for a lower-case label; "al-Qaeda" is a name
    assert qids_of(pipeline, "The group pledged allegiance to al-Qaeda last year.", "al-Qaeda") - {None}
    got = {s: qid for s, qid, _ in linked(pipeline, "Turkish-American relations soured after the coup attempt.")}
    assert got.get("Turkish") == "Q43" and got.get("American") == "Q30"
