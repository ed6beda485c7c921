"""Property: an export returns exactly ``total`` distinct ids, whatever the ids look like.

The embedded engine pages its export with a regex over the id term dictionary
(tantivy has no range query on text), so ids full of regex syntax, quotes, prefixes
of one another and non-ASCII characters are what this test feeds it.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newslink.search.engines.embedded import EmbeddedEngine
from newslink.search.query import SearchQuery

ID_CHARS = st.sampled_from(list('ab"\\~ -:é}[]{.*+?()|^$#&Z09/\u00ff\u4e2d\U0001f600') + ["a", "b"])
ids_st = st.lists(st.text(ID_CHARS, min_size=1, max_size=6), min_size=0, max_size=40, unique=True)
COUNTRIES = ["Q30", "Q794", "Q801"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=ids_st, data=st.data())
def test_export_returns_exactly_total_distinct_ids(ids, data):
    countries = {i: data.draw(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=2), label=f"countries[{i!r}]") for i in ids}
    docs = [
        {"id": i, "title": "report", "text": "missile" if n % 2 else "talks", "published": f"2025-01-{n % 28 + 1:02d}T00:00:00",
         "source": "A" if n % 3 else "B", "entities": {"country": countries[i]}, "entity_list": []}
        for n, i in enumerate(ids)
    ]
    query = SearchQuery(
        text=data.draw(st.sampled_from(["", "missile", "-missile"]), label="text"),
        filters={"country": data.draw(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=2), label="filter")},
        match=data.draw(st.sampled_from(["any", "all"]), label="match"),
        size=0,
    )
    batch = data.draw(st.integers(min_value=1, max_value=8), label="batch")
    with tempfile.TemporaryDirectory() as home:
        engine = EmbeddedEngine(Path(home))
        try:
            assert engine.write(docs) == []
            engine.commit()
            total = engine.search(query).total
            exported = [h.id for h in engine.scan(query, batch_size=batch)]
        finally:
            engine.close()
    assert len(exported) == total == len(set(exported))
    assert exported == sorted(exported)  # id order: the cursor never skips or repeats
