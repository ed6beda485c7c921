"""Publication dates of every shape never cost an article: property-based tests.

Hypothesis writes JSONL records whose ``published`` is anything a source may hold:
ISO dates of years 1 to 9999 with and without times and UTC offsets, RFC 2822,
human forms, Unix timestamps in seconds and milliseconds (``1e10``, negative, huge,
NaN), numbers as strings, and things that are no date at all. Whatever it is, the
reader keeps the article (at worst without its date, with a ``file:line`` warning),
and both engines store every one of them: none is rejected at the engine, where a
record's problem would surface with no file or line.
"""
from __future__ import annotations

import email.utils
import json
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from es_server import es_engine, es_url  # noqa: F401 - fixtures

from newslink.indexer.dates import EARLIEST, LATEST
from newslink.indexer.document import build_document
from newslink.search.engines.embedded import EmbeddedEngine

from conftest import read_all

PROPS = settings(
    max_examples=int(os.environ.get("NEWSLINK_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))
offsets = st.sampled_from(["", "Z", "+00:00", "+05:30", "-05:00", "+14:00", "-12:00"])


@st.composite
def iso_text(draw) -> str:
    moment = draw(moments)
    shape = draw(st.sampled_from(["date", "datetime", "space", "micro"]))
    if shape == "date":
        return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    sep = " " if shape == "space" else "T"
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}{sep}{moment:%H:%M:%S}"
    if shape == "micro":
        text += f".{moment.microsecond:06d}"
    return text + draw(offsets)


@st.composite
def human_text(draw) -> str:
    moment = draw(moments)
    fmt = draw(st.sampled_from(["%b %d, %Y", "%d %B %Y", "%d/%m/%Y", "%m/%d/%Y %H:%M", "%A, %d %b %Y", "%Y"]))
    # strftime does not pad years below 1000 the same way everywhere: write the year out
    return moment.strftime(fmt.replace("%Y", f"{moment.year:04d}"))


@st.composite
def rfc2822(draw) -> str:
    moment = draw(moments).replace(tzinfo=timezone(timedelta(minutes=draw(st.integers(-720, 840)))))
    return email.utils.format_datetime(moment)


timestamps = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e10, 1e11, 1e12, 1.7e9, -1e10, 253402300800, 253402300800000, -62135596800, 2**63, -(2**63)]),
)
odd = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"-?\d{1,25}(\.\d{1,5})?(e\d{1,3})?", fullmatch=True),
    st.sampled_from(["0000-00-00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2024-02-30", "24:00", "now", "yesterday", "1e10", "\u0662\u0660\u0662\u0664-01-01"]),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
date_values = st.one_of(iso_text(), human_text(), rfc2822(), timestamps, odd)


def _write_records(folder: Path, values: list) -> tuple[Path, list[str]]:
    tag = uuid.uuid4().hex[:8]
    ids = [f"d-{tag}-{i}" for i in range(len(values))]
    path = folder / f"{tag}.jsonl"
    path.write_text("".join(json.dumps({"id": i, "title": f"Dated {n}", "text": "Iran talks.", "published": v}) + "\n" for n, (i, v) in enumerate(zip(ids, values))), encoding="utf-8")
    return path, ids


def _read_documents(path: Path, ids: list[str]) -> list[dict]:
    """The reader keeps every article; a date it cannot keep is a warning at file:line."""
    articles, problems = read_all([path])
    assert [p for p in problems if p.fatal] == []
    assert [a.id for a in articles] == ids
    for problem in problems:
        assert problem.path == str(path) and problem.line is not None, str(problem)
        assert "date" in problem.message, str(problem)
    for article in articles:
        assert article.published is None or EARLIEST <= article.published <= LATEST, article.published
    return [build_document(a, [], "test") for a in articles]


def _stored_everything(engine, docs: list[dict]) -> None:
    assert engine.write(docs) == []
    engine.commit()
    for doc in docs:
        stored = engine.get(doc["id"])
        assert stored is not None, doc["id"]
        assert stored.get("published") == doc["published"]


@PROPS
@given(values=st.lists(date_values, min_size=1, max_size=12))
def test_dates_never_cost_an_article_embedded(tmp_path_factory, values) -> None:
    folder = tmp_path_factory.mktemp("dates")
    path, ids = _write_records(folder, values)
    docs = _read_documents(path, ids)
    engine = EmbeddedEngine(folder / "home")
    try:
        _stored_everything(engine, docs)
        assert engine.count() == len(docs)
    finally:
        engine.close()


@PROPS
@given(values=st.lists(date_values, min_size=1, max_size=12))
def test_dates_never_cost_an_article_elasticsearch(tmp_path_factory, es_engine, values) -> None:
    folder = tmp_path_factory.mktemp("dates")
    path, ids = _write_records(folder, values)
    before = es_engine.count()
    _stored_everything(es_engine, _read_documents(path, ids))
    assert es_engine.count() == before + len(ids)
