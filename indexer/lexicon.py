"""Word lists that mention extraction and linking both read.

Plain data with no spaCy import, so the linker (and its tests) can use them
without loading a pipeline.
"""
from __future__ import annotations

# Generic nouns that follow a weapon's name: "Shahed drones", "Patriot missiles".
WEAPON_NOUNS = frozenset(
    """drone drones missile missiles rocket rockets jet jets fighter fighters bomber bombers
    helicopter helicopters gunship gunships tank tanks launcher launchers system systems battery batteries
    interceptor interceptors aircraft warplane warplanes plane planes rifle rifles munition munitions
    warhead warheads submarine submarines destroyer destroyers frigate frigates carrier carriers""".split()
)
# Words that may precede or follow a name inside an NER span without being part
# of it: titles, roles, honorifics.
TITLE_WORDS = frozenset(
    """mr mrs ms dr sir dame lord lady president vice prime minister ministers secretary chancellor premier
    king queen prince princess crown sheikh sheik emir ayatollah imam pope cardinal archbishop bishop rev reverend
    gen general lt col colonel maj major capt captain adm admiral sgt sergeant cmdr commander marshal
    sen senator rep representative gov governor mayor judge justice chief deputy acting former late
    leader speaker ambassador envoy spokesman spokeswoman spokesperson chairman chairwoman chair director
    defense defence foreign interior finance home health state treasury energy trade economy justice
    u.s. us british american russian iranian israeli chinese french german""".split()
)
# Capitalised words that never continue a name: calendar words.
CALENDAR = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun""".split()
)
# Legal-form words a company's name carries in news copy but not in the KB
# ("General Motors Corp", "Morgan Stanley and Co Inc", "Reuters Holdings Plc").
LEGAL_FORMS = frozenset(
    """inc incorporated corp corporation co cos ltd limited plc llc ag sa nv se spa gmbh holdings""".split()
)
# "Kingdom of Saudi Arabia", "Republic of Korea": the country itself.
STATE_FORMS = frozenset("republic kingdom state states emirate sultanate commonwealth federation principality union".split())

# Words that say a name is a business: a brand is linked by its name only near one
# of these ("Target shares fell", "the Boots chain", "Shell's chief executive").
BUSINESS_WORDS = frozenset(
    """company companies firm firms corporation corp inc ltd plc llc brand brands retailer retailers retail
    chain chains store stores shop shops outlet outlets supermarket supermarkets restaurant restaurants cafe cafes
    franchise franchises shares share stock stocks shareholders investors earnings profit profits revenue revenues
    sales customers consumers products product ceo executive executives chairman founder subsidiary merger acquisition
    takeover bid nasdaq nyse ftse dow operator carrier airline bank lender insurer maker manufacturer supplier
    dealership dealerships branch branches mall shopper shoppers brewer distillery hotel hotels""".split()
)

# What an article about a brand of each name-suggestion-index category says of its
# trade ("brand (fuel)" -> petrol, gasoline ...): a business word near a brand's name
# is not enough when the article is about another trade (Burlington the textile
# maker in 1987 wire copy is not the off-price retailer). Words are matched as
# prefixes ("retail" matches "retailer", "retailers").
_SHOPS = "store shop retail chain mall shopper supermarket grocer outlet brand"
BRAND_TRADE_WORDS: dict[str, tuple[str, ...]] = {
    key: tuple(words.split())
    for keys, words in {
        ("atm", "bank", "money transfer", "bureau de change"): "bank lender loan deposit branch",
        ("clothes", "shoes", "fashion accessories", "bag", "jewelry", "watches", "boutique"): f"{_SHOPS} cloth fashion apparel wear",
        ("fast food", "restaurant", "cafe", "bakery", "ice cream", "pub", "bar", "confectionery", "coffee", "food court"):
            "restaurant food burger pizza coffee cafe menu diner franchise eater meal chicken sandwich",
        ("supermarket", "convenience", "variety store", "department store", "houseware", "doityourself", "furniture",
         "electronics", "books", "cosmetics", "chemist", "pharmacy", "optician", "sports", "toys", "pet", "hardware",
         "gift", "stationery", "beauty", "florist", "garden centre", "alcohol", "wine", "beverages", "frozen food",
         "deli", "butcher", "greengrocer", "computer", "video games", "music", "second hand", "discount", "trade",
         "general", "baby goods", "outdoor", "kitchen", "bed", "interior decoration", "paint", "tiles", "carpet"): _SHOPS + " pharmac drug",
        ("fuel", "charge point", "gas"): "fuel petrol gasoline oil gas station filling diesel",
        ("hotel", "motel", "hostel", "guest house"): "hotel room guest hospitality resort",
        ("insurance",): "insur policyholder premium",
        ("car", "car repair", "car rental", "car parts", "tyres", "motorcycle"): "car vehicle automaker carmaker motor dealer tyre tire rental",
        ("telecommunication", "mobile phone"): "phone mobile wireless subscriber carrier telecom broadband network",
        ("cinema",): "cinema film movie theater theatre screen",
        ("fitness centre",): "gym fitness club member",
        ("estate agent",): "property estate home house agent realtor",
        ("parcel locker", "post office", "courier", "logistics"): "parcel delivery courier shipping package post",
        ("bicycle rental", "bicycle"): "bike bicycle cycl",
        ("school",): "school pupil student academy",
    }.items()
    for key in keys
}
