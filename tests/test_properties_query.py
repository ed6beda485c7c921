"""Query safety: user text never reaches a query-string parser, so arbitrary text
is answered or refused with a QueryError (CLI exit 2, HTTP 4xx), never a crash;
pathological queries are bounded."""
from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newslink.search.cli import cli
from newslink.search.engines.embedded import EmbeddedEngine
from newslink.search.query import MAX_PAGE_SIZE, QueryError, SearchQuery
from newslink.search.textquery import MAX_QUERY_CHARS, MAX_TERMS, parse_text

PROPS = settings(max_examples=int(os.environ.get("NEWSLINK_FUZZ_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Query syntax characters of Lucene, Elasticsearch query_string, tantivy's parser, regexes.
SYNTAX = list('"\'-+()[]{}<>:^~*?\\/!&|.,;=@#$%`') + ["OR", "AND", "NOT", " ", "  ", "\t", "\n", "\x00", "\x1b", "\x85", "\u2028", "\ud800", "\udfff", "é", "𝔘", "ﷺ"]
query_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(SYNTAX) | st.text(max_size=6), max_size=80).map("".join),
    st.text(st.characters(codec="utf-8"), max_size=50),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory, corpus_docs):
    engine = EmbeddedEngine(tmp_path_factory.mktemp("query-home"))
    engine.write(corpus_docs)
    engine.commit()
    yield engine
    engine.close()


@PROPS
@given(text=query_text, sort=st.sampled_from(["relevance", "newest", "oldest"]), highlight=st.booleans(), source=st.lists(st.text(max_size=20), max_size=2))
def test_any_text_is_answered_or_refused_with_a_query_error(engine, text, sort, highlight, source) -> None:
    try:
        query = SearchQuery(text=text, sort=sort, highlight=highlight, sources=source, size=5)
    except QueryError as exc:
        assert exc.param == "q"
        return
    result = engine.search(query)
    assert 0 <= result.total <= engine.count()
    for hit in result.hits:
        hit.snippet.encode("utf-8")  # always valid UTF-8 to hand to a client


@PROPS
@given(text=query_text)
def test_parsed_queries_are_bounded(text) -> None:
    try:
        parsed = parse_text(text)
    except ValueError:
        assert len(text.strip()) > MAX_QUERY_CHARS or len(text.split()) > MAX_TERMS
        return
    assert len(parsed.terms()) + len(parsed.excluded) <= MAX_TERMS
    for term in parsed.terms() + parsed.excluded:
        term.text.encode("utf-8")


PATHOLOGICAL = {
    "10,000 terms": " ".join(f"w{i}" for i in range(10_000)),
    "10,000 terms OR-ed": " OR ".join(f"w{i}" for i in range(10_000)),
    "deep quotes": '"' * 999,
    "nested quotes": " ".join('"a "b "c' for _ in range(100))[:999],
    "regex": r"^(a+)+$ .* [a-z]{1,1000000} (?=x) \d+?",
    "lucene syntax": 'title:iran AND (text:"x"~5 OR foo^10) {* TO *] /reg.*ex/ \\',
    "control chars": "iran\x00\x01\x1b[31m\x7f",
    "lone surrogates": "iran \ud800 \udfff",
    "one huge token": "x" * 999,
    "a word of a thousand hyphens": "-".join("ab" for _ in range(333)),
    "many excluded": " ".join(f"-w{i}" for i in range(64)),
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_queries_are_bounded(engine, name: str) -> None:
    started = time.perf_counter()
    try:
        result = engine.search(SearchQuery(text=PATHOLOGICAL[name], size=MAX_PAGE_SIZE))
    except QueryError as exc:
        assert "limit" in exc.message or "terms" in exc.message
    else:
        assert result.total >= 0
    assert time.perf_counter() - started < 2.0


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory, kb, corpus_docs):
    home = tmp_path_factory.mktemp("query-cli")
    engine = EmbeddedEngine(home)
    engine.write(corpus_docs)
    engine.close()
    return home


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_queries_on_the_cli_exit_0_or_2(cli_home, kb, name: str) -> None:
    text = PATHOLOGICAL[name].replace("\x00", " ").replace("\ud800", "?").replace("\udfff", "?")  # argv cannot carry these
    result = CliRunner().invoke(cli, ["--home", str(cli_home), "search", "--json", "--", text], env={"NEWSLINK_KB": str(kb.path), "NEWSLINK_HOME": str(cli_home)})
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert "q:" in result.stderr


@pytest.fixture(scope="module")
def client(cli_home, kb):
    from fastapi.testclient import TestClient

    from newslink.indexer.kb import KnowledgeBase
    from newslink.search.api import create_app

    engine, api_kb = EmbeddedEngine(cli_home), KnowledgeBase(kb.path)
    with TestClient(create_app(engine, api_kb), raise_server_exceptions=False) as c:
        yield c
    engine.close()
    api_kb.close()


@PROPS
@given(text=st.text(st.characters(codec="utf-8"), max_size=300) | st.lists(st.sampled_from([s for s in SYNTAX if s not in ("\ud800", "\udfff")]), max_size=60).map("".join))
def test_api_answers_any_text_with_200_or_4xx(client, text) -> None:
    resp = client.get("/search", params={"q": text, "size": 3})
    assert resp.status_code == 200 or 400 <= resp.status_code < 500, resp.text
    body = resp.json()
    assert ("total" in body) if resp.status_code == 200 else ("error" in body)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_queries_on_the_api_are_200_or_4xx(client, name: str) -> None:
    text = PATHOLOGICAL[name].replace("\ud800", "?").replace("\udfff", "?")[:30_000]  # httpx refuses longer URLs
    resp = client.get("/search", params={"q": text})
    assert resp.status_code == 200 or 400 <= resp.status_code < 500, resp.text
