"""The facet registry's engine-independent parts: histogram roll-up and labels."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from newslink.search.facets import ENTITY_FACETS, FACETS, INTERVALS, MAX_PERIODS, auto_interval, roll_up
from newslink.search.query import SearchQuery

days_st = st.dictionaries(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat),
    st.integers(min_value=1, max_value=50),
    max_size=40,
).map(lambda d: sorted(d.items()))


@settings(deadline=None)  # a loaded CI machine must not fail a correct roll-up on time
@given(days_st, st.sampled_from(["day", "week", "month", "year"]))
def test_roll_up_keeps_every_article_and_tiles_the_calendar(days, interval):
    hist = roll_up(days, interval)
    assert INTERVALS.index(hist.interval) >= INTERVALS.index(interval)  # kept, or coarsened when too long
    assert len(hist.buckets) <= MAX_PERIODS or hist.interval == "year"
    interval = hist.interval
    assert sum(b.count for b in hist.buckets) == sum(n for _, n in days)
    starts = [date.fromisoformat(b.key) for b in hist.buckets]
    assert starts == sorted(set(starts))  # one bucket per period, in order, no gaps skipped below
    for day, _n in days:  # every day falls in exactly one bucket that starts on or before it
        d = date.fromisoformat(day)
        owner = max(s for s in starts if s <= d)
        assert owner == {"day": d, "week": d - timedelta(days=d.weekday()), "month": d.replace(day=1), "year": d.replace(month=1, day=1)}[interval]
    if interval == "week":
        assert all(s.weekday() == 0 for s in starts)



def test_roll_up_coarsens_at_one_bar_past_the_limit():
    """Hypothesis found 2012-01-03 .. 2025-09-11 (5,000 days apart) charted as 5,001 day bars."""
    first = date(2012, 1, 3)
    at_limit = roll_up([(first.isoformat(), 1), ((first + timedelta(days=MAX_PERIODS - 1)).isoformat(), 1)], "day")
    assert (at_limit.interval, len(at_limit.buckets)) == ("day", MAX_PERIODS)
    past = roll_up([(first.isoformat(), 1), ((first + timedelta(days=MAX_PERIODS)).isoformat(), 1)], "day")
    assert past.interval == "week" and len(past.buckets) <= MAX_PERIODS
    assert sum(b.count for b in past.buckets) == 2


def test_roll_up_fills_empty_months_and_marks_the_selected_range():
    hist = roll_up([("2025-01-31", 2), ("2025-04-02", 1)], "month", since="2025-02-15", until="2025-03-01")
    assert [(b.key, b.label, b.count, b.selected) for b in hist.buckets] == [
        ("2025-01-01", "2025-01", 2, False),
        ("2025-02-01", "2025-02", 0, True),
        ("2025-03-01", "2025-03", 0, True),
        ("2025-04-01", "2025-04", 1, False),
    ]


def test_auto_interval_follows_the_span():
    assert roll_up([("2025-01-01", 1), ("2025-01-20", 1)], "auto").interval == "day"
    assert roll_up([("2025-01-01", 1), ("2025-09-20", 1)], "auto").interval == "week"
    assert roll_up([("2021-01-01", 1), ("2025-09-20", 1)], "auto").interval == "month"
    assert roll_up([("1987-01-01", 1), ("2025-09-20", 1)], "auto").interval == "year"
    assert roll_up([("2025-01-01", 1)], "auto", since="2020-01-01", until="2025-01-01").interval == auto_interval(date(2020, 1, 1), date(2025, 1, 1)) == "month"
    assert roll_up([], "auto").buckets == []


def test_entity_labels_come_from_the_kb_and_unlinked_names_from_their_key():
    class Ent:
        label = "Iran"

    facet = ENTITY_FACETS["country"]
    assert facet.expand(["Q794", "name:atlantis", "Q0x"]) == {"Q794"}
    assert facet.label("Q794", {"Q794": Ent()}) == "Iran"
    assert facet.label("Q999999", {}) == "Q999999"
    assert facet.label("name:atlantis", {}) == "atlantis"


def test_facet_filters_follow_the_match_mode():
    q_any = SearchQuery(filters={"country": ["Q794", "Q30"]}, sources=["Wire A"], since="2025-01-01")
    q_all = SearchQuery(filters={"country": ["Q794", "Q30"]}, match="all")
    country = FACETS["country"]
    assert [c.values for c in country.add_filter(q_any)] == [("Q794", "Q30")]
    assert [c.values for c in country.add_filter(q_all)] == [("Q794",), ("Q30",)]
    assert not country.keeps_own_filter(q_any) and country.keeps_own_filter(q_all)
    assert [c.values for c in FACETS["source"].add_filter(q_any)] == [("Wire A",)]
    assert FACETS["published"].add_filter(q_any)[0].gte == "2025-01-01T00:00:00"


def test_far_flung_dates_coarsen_the_interval_instead_of_filling_200000_days():
    days = [("1700-01-01", 1), ("2025-01-01", 2), ("2250-06-01", 1)]
    hist = roll_up(days, "day")
    assert hist.interval == "year" and len(hist.buckets) == 2250 - 1700 + 1
    assert sum(b.count for b in hist.buckets) == 4
    assert roll_up([("2000-01-01", 1), ("2010-01-01", 1)], "day").interval == "day"  # 3,654 bars: kept
    assert roll_up([("2000-01-01", 1), ("2020-01-01", 1)], "day").interval == "week"  # 7,306 days: weeks
