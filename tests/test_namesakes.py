"""Precision among open-data namesakes (indexer/linking/namesakes.py), on an
in-memory KB shaped like the shipped open data: famous entities beside the small
towns, brands and minor parties that share their names. No spaCy: mentions are
written by hand as NER (or the gazetteer, label None) would give them."""
from __future__ import annotations

from newslink.indexer.kb.common_words import all_common_words, is_common_word, is_word
from newslink.indexer.linking import MemoryKB

from test_linking_parts import link


def open_world() -> MemoryKB:
    kb = MemoryKB()
    kb.add("Q30", "country", "United States", popularity=330, description="country in North America", aliases=["U.S."])
    kb.add("Q96", "country", "Mexico", popularity=300, description="country in North America", demonyms=["Mexican"])
    kb.add("Q142", "country", "France", popularity=320, description="country in Western Europe", demonyms=["French"])
    kb.add("Q1384", "place", "New York", kind="us_state", popularity=200, description="state of the United States of America", country="Q30")
    kb.add("Q1439", "place", "Texas", kind="us_state", popularity=240, description="state of the United States of America", country="Q30")
    kb.add("Q824", "place", "Oregon", kind="us_state", popularity=180, description="state of the United States of America", country="Q30")
    kb.add("Q90", "place", "Paris", kind="capital", popularity=300, description="capital of France", country="Q142")
    # Open-data namesakes: towns without a population figure (prior 5), brands, a minor party.
    kb.add("Q3460612", "place", "Mexico", kind="city", popularity=5, description="city in New York, United States", country="Q30", admin1="Q1384")
    kb.add("Q830149", "place", "Paris", kind="city", popularity=5, description="city in Texas, United States", country="Q30", admin1="Q1439")
    kb.add("Q3612349", "place", "University", kind="city", popularity=5, description="city in Florida, United States", country="Q30")
    kb.add("Q1374537", "place", "Timberlake", kind="city", popularity=5, description="city in Virginia, United States", country="Q30")
    kb.add("Q748474", "place", "Corvallis", kind="city", popularity=5, description="city in Oregon, United States", country="Q30", admin1="Q824")
    kb.add("Q79849", "place", "Palmer", kind="city", popularity=20, description="city in Alaska, United States", country="Q30")
    kb.add("Q1046951", "org", "Target Corporation", kind="brand_common_word", popularity=24,
           description="American retail corporation; brand (department store)", aliases=["Target"], country="Q30")
    kb.add("Q62122839", "org", "Prime", kind="brand_common_word", popularity=12, description="Russian coffee shop chain; brand (cafe)")
    kb.add("Q4999220", "org", "Burlington", kind="brand", popularity=12, description="American off-price retailer; brand (department store)")
    kb.add("Q64739247", "org", "Continental Reifen Deutschland GmbH", kind="brand", popularity=12, description="brand (tyres)", aliases=["Continental"])
    kb.add("Q659739", "org", "Green Party of Switzerland", kind="party", popularity=10, description="political party in Switzerland", aliases=["GPS"])
    return kb


def test_the_word_list_knows_words_from_names() -> None:
    assert is_word("target") and is_word("Reading") and is_word("BROTHERS") and is_word("rolls")
    assert not is_word("Paris") and not is_word("Corvallis") and not is_word("tesco")
    assert is_common_word("Police") and not is_common_word("NATO") and not is_common_word("Stony Brook")
    assert all_common_words("Western District") and not all_common_words("Georgia Power")


def test_a_town_does_not_outrank_the_country_it_is_named_after() -> None:
    kb = open_world()
    body = "Mexico and the United States signed a trade deal in New York on Monday."
    got = link(kb, body, [("Mexico", "GPE"), ("United States", "GPE"), ("New York", "GPE")])
    assert got[("Mexico", 0)] == "Q96"


def test_an_address_places_the_small_namesake() -> None:
    kb = open_world()
    got = link(kb, "He grew up in Paris, Texas, and later moved to Paris.", [("Paris", "GPE"), ("Texas", "GPE"), ("Paris", "GPE")])
    assert got[("Paris", 0)] == "Q830149" and got[("Texas", 0)] == "Q1439"
    assert link(kb, "She moved to Paris last year.", [("Paris", "GPE")])[("Paris", 0)] == "Q90"


def test_minor_places_need_a_place_label_and_a_name_that_is_no_word() -> None:
    kb = open_world()
    assert link(kb, "Students in Corvallis protested.", [("Corvallis", "GPE")])[("Corvallis", 0)] == "Q748474"
    # The gazetteer alone (label None): an ordinary word, a person's name.
    body = "The report said University officials and Timberlake agreed, as did Palmer."
    got = link(kb, body, [("University", None), ("Timberlake", None), ("Palmer", None)])
    assert got == {("University", 0): None, ("Timberlake", 0): None, ("Palmer", 0): None}
    # A place label does not rescue an ordinary word naming a town with no population figure.
    assert link(kb, "The University team won.", [("University", "GPE")])[("University", 0)] is None


def test_a_brand_needs_business_context_and_an_ordinary_word_brand_needs_it_beside_it() -> None:
    kb = open_world()
    assert link(kb, "Shares of Target fell 5 percent as the retailer cut its forecast.", [("Target", "ORG")])[("Target", 0)] == "Q1046951"
    body = "The senator said Target was chosen for the summit, and the company agreed."
    assert link(kb, body, [("Target", "ORG")])[("Target", 0)] is None  # a business word, but not beside it
    assert link(kb, "Prime minister said nothing.", [("Prime", None)])[("Prime", 0)] is None
    assert link(kb, "Burlington stores will open in March.", [("Burlington", "ORG")])[("Burlington", 0)] == "Q4999220"
    assert link(kb, "Burlington said on Tuesday it would appeal.", [("Burlington", "ORG")])[("Burlington", 0)] is None


def test_a_brand_by_a_shortened_alias_needs_its_full_name() -> None:
    kb = open_world()
    assert link(kb, "Continental shares rose after the merger.", [("Continental", "ORG")])[("Continental", 0)] is None
    body = "Continental Reifen Deutschland GmbH said sales rose. Continental shares gained."
    got = link(kb, body, [("Continental Reifen Deutschland GmbH", "ORG"), ("Continental", "ORG")])
    assert got[("Continental", 0)] == "Q64739247"


def test_a_little_known_acronym_needs_the_name_spelled_out() -> None:
    kb = open_world()
    assert link(kb, "The GPS signal was lost.", [("GPS", "ORG")])[("GPS", 0)] is None
    kb.add("Q39", "country", "Switzerland", popularity=300, description="country in Central Europe", demonyms=["Swiss"])
    body = "The Green Party of Switzerland (GPS) won seats in Switzerland. GPS leaders celebrated."
    got = link(kb, body, [("Green Party of Switzerland", "ORG"), ("GPS", "ORG"), ("Switzerland", "GPE"), ("GPS", "ORG")])
    assert got[("GPS", 0)] == "Q659739" and got[("GPS", 1)] == "Q659739"


def test_a_brand_in_an_article_about_another_trade_stays_nil() -> None:
    kb = open_world()  # Burlington the off-price retailer, in 1987 copy about a textile maker
    body = "Burlington shares rose after the textile maker said its mills would run at full capacity."
    assert link(kb, body, [("Burlington", "ORG")])[("Burlington", 0)] is None


def test_a_province_named_as_one_is_the_province_not_its_capital() -> None:
    kb = MemoryKB()
    kb.add("Q414", "country", "Argentina", popularity=300, description="country in South America")
    kb.add("Q44244", "place", "Santa Fe", kind="admin1_capital", popularity=60, description="city in Santa Fe, Argentina", country="Q414")
    kb.add("Q44823", "place", "Santa Fe", kind="province", popularity=50, description="province of Argentina", country="Q414")
    kb.add("Q44211", "place", "Corrientes", kind="admin1_capital", popularity=50, description="city in Corrientes, Argentina", country="Q414")
    kb.add("Q44758", "place", "Corrientes", kind="province", popularity=40, description="province of Argentina", country="Q414")
    body = "Floods hit Santa Fe and Corrientes provinces in Argentina."
    got = link(kb, body, [("Santa Fe", "GPE"), ("Corrientes", "GPE"), ("Argentina", "GPE")])
    assert got[("Santa Fe", 0)] == "Q44823" and got[("Corrientes", 0)] == "Q44758"
    body = "Farmers in the provinces of Santa Fe and Corrientes expect a record crop."
    got = link(kb, body, [("Santa Fe", "GPE"), ("Corrientes", "GPE")])
    assert got[("Santa Fe", 0)] == "Q44823" and got[("Corrientes", 0)] == "Q44758"
    assert link(kb, "The mayor of Santa Fe spoke.", [("Santa Fe", "GPE")])[("Santa Fe", 0)] == "Q44244"


def test_minor_parties_need_their_country_and_words_are_no_regions_towns() -> None:
    kb = open_world()
    kb.add("Q39", "country", "Switzerland", popularity=300, description="country in Central Europe", demonyms=["Swiss"])
    kb.add("Q2510610", "place", "Baltic", kind="city", popularity=15, description="city in South Dakota, United States", country="Q30")
    assert link(kb, "The Green Party of Switzerland won two seats.", [("Green Party of Switzerland", "ORG")])[("Green Party of Switzerland", 0)] is None
    body = "The Green Party of Switzerland won two seats in Switzerland."
    assert link(kb, body, [("Green Party of Switzerland", "ORG"), ("Switzerland", "GPE")])[("Green Party of Switzerland", 0)] == "Q659739"
    assert link(kb, "The Baltic states met in Riga.", [("Baltic", "LOC")])[("Baltic", 0)] is None


def test_a_sentence_that_counts_provinces_reads_its_names_as_provinces() -> None:
    kb = MemoryKB()
    kb.add("Q414", "country", "Argentina", popularity=300, description="country in South America")
    kb.add("Q44754", "place", "Buenos Aires", kind="province", popularity=150, description="province of Argentina", country="Q414")
    kb.add("Q44244", "place", "Santa Fe", kind="admin1_capital", popularity=77, description="city in Santa Fe, Argentina", country="Q414", admin1="Q44823")
    kb.add("Q44823", "place", "Santa Fe", kind="province", popularity=30, description="province of Argentina", country="Q414")
    body = "Rains reached 27 mm in parts of Buenos Aires province, 83 mm in Cordoba and 41 in Santa Fe."
    assert link(kb, body, [("Buenos Aires", "GPE"), ("Santa Fe", "GPE")])[("Santa Fe", 0)] == "Q44823"
    assert link(kb, "The mayor of Santa Fe opened a school on Monday.", [("Santa Fe", "GPE")])[("Santa Fe", 0)] == "Q44244"


def argentina() -> MemoryKB:
    """Provinces of Argentina and their same-named capitals, as the open data has them."""
    kb = MemoryKB()
    kb.add("Q414", "country", "Argentina", popularity=300, description="country in South America", demonyms=["Argentine"])
    kb.add("Q44759", "place", "Córdoba", kind="province", popularity=30, description="province of Argentina", country="Q414",
           aliases=["Cordoba"])
    kb.add("Q44210", "place", "Córdoba", kind="city", popularity=120, description="city in Argentina", country="Q414", admin1="Q44759",
           aliases=["Cordoba"])
    kb.add("Q44795", "place", "La Pampa", kind="province", popularity=70, description="province of Argentina", country="Q414")
    kb.add("Q44757", "place", "Chaco", kind="province", popularity=40, description="province of Argentina", country="Q414")
    kb.add("Q44798", "place", "Misiones", kind="province", popularity=40, description="province of Argentina", country="Q414")
    kb.add("Q52535", "place", "Rosario", kind="city", popularity=110, description="city in Argentina", country="Q414", admin1="Q44823")
    kb.add("Q44823", "place", "Santa Fe", kind="province", popularity=30, description="province of Argentina", country="Q414")
    kb.add("Q1486", "place", "Buenos Aires", kind="capital", popularity=230, description="capital of Argentina", country="Q414")
    return kb


def test_the_places_an_article_lists_say_whether_a_name_is_the_province_or_its_capital() -> None:
    kb = argentina()
    body = "Rains fell in Cordoba, La Pampa, Chaco and Misiones this week, and Argentine growers fear for the crop."
    got = link(kb, body, [("Cordoba", "GPE"), ("La Pampa", "GPE"), ("Chaco", "GPE"), ("Misiones", "GPE"), ("Argentine", "NORP")])
    assert got[("Cordoba", 0)] == "Q44759"
    body = "Flights from Buenos Aires, Rosario and Cordoba were cancelled."
    got = link(kb, body, [("Buenos Aires", "GPE"), ("Rosario", "GPE"), ("Cordoba", "GPE")])
    assert got[("Cordoba", 0)] == "Q44210" and got[("Buenos Aires", 0)] == "Q1486"  # a list of cities, not an address


def test_a_province_the_ner_missed_is_read_among_the_provinces_listed_with_it() -> None:
    kb = argentina()
    body = "Harvesting advanced in Chaco, Misiones and La Pampa."
    got = link(kb, body, [("Chaco", "GPE"), ("Misiones", "GPE"), ("La Pampa", None)])
    assert got[("La Pampa", 0)] == "Q44795"
    assert link(kb, "Harvesting advanced in La Pampa.", [("La Pampa", None)])[("La Pampa", 0)] is None


def test_a_list_of_cities_is_no_address() -> None:
    kb = open_world()
    kb.add("Q84", "place", "London", kind="capital", popularity=300, description="capital of the United Kingdom")
    kb.add("Q64", "place", "Berlin", kind="capital", popularity=290, description="capital of Germany")
    got = link(kb, "Protests spread to Paris, London and Berlin.", [("Paris", "GPE"), ("London", "GPE"), ("Berlin", "GPE")])
    assert got[("Paris", 0)] == "Q90" and got[("London", 0)] == "Q84" and got[("Berlin", 0)] == "Q64"


def test_a_named_state_places_the_city_of_that_name_in_it() -> None:
    kb = open_world()
    kb.add("Q724", "place", "Maine", kind="us_state", popularity=150, description="state of the United States of America", country="Q30")
    kb.add("Q6106", "place", "Portland", kind="city", popularity=170, description="city in Oregon, United States", country="Q30", admin1="Q824")
    kb.add("Q49201", "place", "Portland", kind="city", popularity=42, description="city in Maine, United States", country="Q30", admin1="Q724")
    body = "Foote returned to Portland and became city editor of the Maine Sunday Telegram."
    assert link(kb, body, [("Portland", "GPE"), ("Maine", None)])[("Portland", 0)] == "Q49201"
    assert link(kb, "Foote returned to Portland last year.", [("Portland", "GPE")])[("Portland", 0)] == "Q6106"
    # An outclassed namesake is not lifted by its state: "WASHINGTON -" is the capital.
    kb.add("Q61", "place", "Washington, D.C.", kind="capital", popularity=280, description="capital of the United States", aliases=["Washington"])
    kb.add("Q1454", "place", "North Carolina", kind="us_state", popularity=170, description="state of the United States of America", country="Q30")
    kb.add("Q1026008", "place", "Washington", kind="city", popularity=5, description="city in North Carolina, United States", country="Q30", admin1="Q1454")
    body = "WASHINGTON - Lawmakers in North Carolina passed the bill."
    assert link(kb, body, [("WASHINGTON", "GPE"), ("North Carolina", "GPE")])[("WASHINGTON", 0)] == "Q61"


def test_a_place_name_listed_among_surnames_is_a_surname() -> None:
    kb = MemoryKB()
    kb.add("Q25", "place", "Wales", kind="province", popularity=200, description="country of the United Kingdom", demonyms=["Welsh"])
    kb.add("Q1182454", "place", "Stowe", kind="city", popularity=6, description="town in Vermont, United States", country="Q30")
    body = "It sold the unit to the venture capital firm of Welsh, Carson, Anderson and Stowe."
    got = link(kb, body, [("Welsh", None), ("Carson", "PERSON"), ("Anderson", "PERSON"), ("Stowe", "GPE")])
    assert got[("Welsh", 0)] is None and got[("Stowe", 0)] is None
    assert link(kb, "He moved to Stowe last year.", [("Stowe", "GPE")])[("Stowe", 0)] == "Q1182454"
    got = link(kb, "Carson and Anderson toured London, Paris and Stowe.", [("Carson", "PERSON"), ("Anderson", "PERSON"), ("Stowe", "GPE")])
    assert got[("Stowe", 0)] == "Q1182454"  # two lists: the people's, and the places'"


def test_a_brand_named_like_a_place_needs_more_than_its_name() -> None:
    kb = argentina()
    kb.add("Q125915873", "org", "Santa Fé", kind="brand", popularity=16, description="restaurant chain; brand (restaurant)", aliases=["Santa Fe"])
    body = "Maize harvesting is near completion in Cordoba and Santa Fe."
    assert link(kb, body, [("Cordoba", "GPE"), ("Santa Fe", "ORG")])[("Santa Fe", 0)] != "Q125915873"


def test_upstate_names_the_state() -> None:
    kb = open_world()
    kb.add("Q60", "place", "New York City", kind="city", popularity=330, description="city in New York, United States",
           aliases=["New York"], country="Q30", admin1="Q1384")
    assert link(kb, "Town halls in upstate New York were packed.", [("New York", "GPE")])[("New York", 0)] == "Q1384"
    assert link(kb, "Town halls in New York were packed.", [("New York", "GPE")])[("New York", 0)] == "Q60"
