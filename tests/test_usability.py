"""What a new user trips over (issue 20) and date filters under attack (issue 21):
the CLI through CliRunner and the API through the real app, on the real engine
holding the linked test corpus."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newslink.indexer.kb import KnowledgeBase
from newslink.indexer.schema import FACET_TYPES
from newslink.search.api import create_app
from newslink.search.cli import cli
from newslink.search.engines.embedded import EmbeddedEngine

from es_server import es_engine, es_url  # noqa: F401 - fixtures

IRAN = "Q794"
PROPS = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))


# --------------------------------------------------------------------------- fixtures (api_home, client: conftest)
@pytest.fixture(scope="module")
def run(api_home: Path):
    """The real CLI on ``api_home``; ``code`` is the exit code the call must end with."""

    def invoke(*args: str, code: int = 0) -> Result:
        env = {"NEWSLINK_HOME": str(api_home), "NEWSLINK_KB": str(api_home / "kb.sqlite")}
        result = CliRunner().invoke(cli, ["--home", str(api_home), *args], env=env)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == code, (args, result.output)
        return result

    return invoke


def ids(body: dict[str, Any]) -> set[str]:
    return {h["id"] for h in body["hits"]}


def published_ids(docs: list[dict], keep) -> set[str]:
    return {d["id"] for d in docs if d.get("published") and keep(d["published"])}


# --------------------------------------------------------------------------- 1: partial dates
def test_a_year_or_month_means_its_whole_span(run, client: TestClient, corpus_docs: list[dict]) -> None:
    years = sorted({d["published"][:4] for d in corpus_docs if d.get("published")})
    months = sorted({d["published"][:7] for d in corpus_docs if d.get("published")})
    for year in years:
        body = json.loads(run("search", "--since", year, "--size", "100", "--json").stdout)
        assert body["query"]["since"] == f"{year}-01-01T00:00:00"
        assert ids(body) == published_ids(corpus_docs, lambda p: p[:4] >= year)
        body = json.loads(run("search", "--until", year, "--size", "100", "--json").stdout)
        assert body["query"]["until"] == f"{year}-12-31T23:59:59"
        assert ids(body) == published_ids(corpus_docs, lambda p: p[:4] <= year)
    for month in months:
        api = client.get("/search", params={"since": month, "until": month, "size": 100}).json()
        assert api["query"]["since"].startswith(f"{month}-01T00:00:00")
        assert api["query"]["until"].endswith("T23:59:59") and api["query"]["until"][:7] == month
        assert ids(api) == published_ids(corpus_docs, lambda p: p[:7] == month)


def test_ambiguous_day_month_is_refused_with_both_readings(run, client: TestClient) -> None:
    result = run("search", "--since", "02/03/2024", code=2)
    assert "ambiguous" in result.stderr and "2024-02-03" in result.stderr and "2024-03-02" in result.stderr
    body = client.get("/search", params={"until": "02/03/2024"})
    assert body.status_code == 400 and body.json()["param"] == "until" and "ambiguous" in body.json()["error"]
    # one reading only: the 13th cannot be a month
    assert json.loads(run("search", "--since", "13/02/2024", "--json").stdout)["query"]["since"] == "2024-02-13T00:00:00"


# --------------------------------------------------------------------------- issue 21.3: out-of-range filters
@pytest.mark.parametrize("param,value", [("until", "9999-12-31"), ("since", "2262-05-01"), ("until", "1500-01-01"), ("since", "0001-01-01")])
def test_dates_the_engine_cannot_hold_are_a_clear_error(run, client: TestClient, param: str, value: str) -> None:
    response = client.get("/search", params={param: value})
    assert response.status_code == 400, response.text
    assert response.json()["param"] == param and "outside" in response.json()["error"]
    result = run("search", f"--{param}", value, code=2)
    assert f"{param}:" in result.stderr and "outside" in result.stderr


_DAY = st.tuples(st.integers(1, 9999), st.integers(1, 12), st.integers(1, 28))
date_filters = st.one_of(
    _DAY.map(lambda d: f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}"),
    _DAY.map(lambda d: f"{d[0]:04d}-{d[1]:02d}"),
    _DAY.map(lambda d: f"{d[0]:04d}"),
    _DAY.map(lambda d: f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}T12:30:00+05:00"),
    _DAY.map(lambda d: f"{d[2]}/{d[1]}/{d[0]}"),
    st.integers(-(10**16), 10**16).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1e10", "-1", "0", "now", "yesterday", "Feb 30 2024", "2024-13-01", "24:00", "2024-W05", "T", "+", "2024-02-29T25:00"]),
    st.text(max_size=30),
)


@PROPS
@given(since=st.none() | date_filters, until=st.none() | date_filters)
def test_any_date_filter_is_answered_or_refused_never_a_server_error(client: TestClient, corpus_docs: list[dict], since, until) -> None:
    params = {k: v for k, v in {"since": since, "until": until, "size": 100}.items() if v is not None}
    response = client.get("/search", params=params)
    assert response.status_code in (200, 400, 422), (params, response.text)
    body = response.json()
    if response.status_code != 200:
        assert body["param"] in ("since", "until") and body["error"]
        return
    low, high = body["query"]["since"] or "", body["query"]["until"] or "9999"
    assert ids(body) == published_ids(corpus_docs, lambda p: low <= p[:19] <= high)


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(value=date_filters, param=st.sampled_from(["--since", "--until"]))
def test_any_date_filter_in_the_cli_is_answered_or_exits_2(api_home: Path, value: str, param: str) -> None:
    env = {"NEWSLINK_HOME": str(api_home), "NEWSLINK_KB": str(api_home / "kb.sqlite")}
    result = CliRunner().invoke(cli, ["--home", str(api_home), "search", param, value, "--json"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stderr.startswith("newslink: error: ") and len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- 6: a query starting with an exclusion
def test_a_query_may_start_with_an_exclusion(run, corpus_docs: list[dict]) -> None:
    excluded = json.loads(run("search", "-drones", "--size", "100", "--json").stdout)
    dashed = json.loads(run("search", "--size", "100", "--json", "--", "-drones").stdout)
    assert ids(excluded) == ids(dashed) and excluded["query"]["q"] == "-drones"
    assert 0 < len(ids(excluded)) < len(corpus_docs)
    mixed = json.loads(run("search", "iran", "-drones", "--since", "2023", "--json").stdout)
    assert mixed["query"]["q"] == "iran -drones" and mixed["query"]["since"] == "2023-01-01T00:00:00"
    assert ids(mixed) <= ids(excluded)
    assert run("facets", "-drones", "--json").stdout  # facets takes the same query
    charted = json.loads(run("search", "--histogram", "-drones", "--json").stdout)  # an option whose value is optional
    assert charted["query"]["q"] == "-drones" and charted["histogram"]["interval"]
    assert "Usage" in run("search", "-h").stdout  # help still is help


# --------------------------------------------------------------------------- 7: paging past the end
def test_paging_past_the_end_says_so(run, corpus_docs: list[dict]) -> None:
    out = run("search", "--page", "500", "--size", "2").stdout
    last = -(-len(corpus_docs) // 2)
    assert f"page 500 is past the last page ({last})" in out
    assert "past the last page" not in run("search", "--page", str(last), "--size", "2").stdout


# --------------------------------------------------------------------------- 19: one facet order
def test_facet_order_does_not_move_with_a_filter(run, client: TestClient) -> None:
    assert list(client.get("/search", params={"country": IRAN}).json()["facets"]) == list(FACET_TYPES)
    cli_json = json.loads(run("search", "--country", IRAN, "--json").stdout)
    assert list(cli_json["facets"]) == list(FACET_TYPES)
    table = run("facets", "--country", IRAN).stdout.splitlines()[1:]
    assert [line.split()[0] for line in table] == list(FACET_TYPES)
    api = client.get("/search", params={"country": IRAN, "facets": "weapon,country,person"}).json()
    assert list(api["facets"]) == [f for f in FACET_TYPES if f in ("weapon", "country", "person")]


# --------------------------------------------------------------------------- 12: autocomplete by any word of a name
WORD_STARTS = [("neta", "Benjamin Netanyahu"), ("putin", "Vladimir Putin"), ("zelensky", "Volodymyr Zelenskyy")]


def _person(kb: KnowledgeBase, label: str) -> str:
    entity = kb.resolve(label, "person")
    if entity is None:
        pytest.skip(f"{label} is not in the starter KB")
    return entity.qid


def test_autocomplete_matches_any_word_of_a_name(client: TestClient, kb: KnowledgeBase) -> None:
    for prefix, label in WORD_STARTS:
        body = client.get("/entities", params={"prefix": prefix, "type": "person", "limit": 5}).json()
        assert _person(kb, label) in [e["qid"] for e in body["entities"]], (prefix, body)
        assert all(e["type"] == "person" for e in body["entities"])
    both = client.get("/entities", params={"prefix": "benjamin neta"}).json()["entities"]
    assert [e["qid"] for e in both][:1] == [_person(kb, "Benjamin Netanyahu")]
    iran = kb.resolve("Iran", "country")
    if iran is not None:  # a name that starts with the prefix comes before one with a later word that does
        first = client.get("/entities", params={"prefix": "iran"}).json()["entities"][0]
        assert first["qid"] == iran.qid


def test_autocomplete_guesses_a_misspelt_name(client: TestClient, kb: KnowledgeBase) -> None:
    for typo, label in [("netanyahoo", "Benjamin Netanyahu"), ("zelenskiy", "Volodymyr Zelenskyy"), ("putn", "Vladimir Putin")]:
        found = [e["qid"] for e in client.get("/entities", params={"prefix": typo, "limit": 5}).json()["entities"]]
        assert _person(kb, label) in found, (typo, found)
    assert client.get("/entities", params={"prefix": "xqzvw"}).json()["entities"] == []


def test_autocomplete_on_a_kb_built_before_name_words(tmp_path: Path, kb: KnowledgeBase) -> None:
    import sqlite3

    from newslink.indexer.kb.complete import complete

    old = tmp_path / "old-kb.sqlite"
    shutil.copy(kb.path, old)
    with sqlite3.connect(old) as db:
        db.execute("DROP TABLE name_tokens")
    old_kb = KnowledgeBase(old)
    try:
        for prefix, label in WORD_STARTS:
            assert _person(kb, label) in [e.qid for e in complete(old_kb, prefix, limit=5, type_="person")]
    finally:
        old_kb.close()


# --------------------------------------------------------------------------- 13: the README's article id exists
def test_readme_article_example_is_the_example_article(tmp_path: Path, pipeline, kb: KnowledgeBase) -> None:
    import re

    from conftest import REPO
    from newslink.indexer.document import build_document
    from newslink.indexer.readers import read_paths

    ids_shown = re.findall(r"/articles/([\w-]+)", (REPO / "README.md").read_text())
    assert ids_shown
    engine = EmbeddedEngine(tmp_path, "articles")
    docs = [build_document(a, pipeline.link_text(a.body_for_nlp), kb.version) for a, _ in read_paths([REPO / "examples"]) if a is not None]
    engine.write(docs)
    engine.commit()
    with TestClient(create_app(engine, kb), raise_server_exceptions=False) as c:
        for article_id in ids_shown:
            assert c.get(f"/articles/{article_id}").status_code == 200, article_id
    engine.close()


# --------------------------------------------------------------------------- 14: /entities/{name} like `newslink entity NAME`
def test_entity_endpoint_takes_names_like_the_cli(run, client: TestClient, kb: KnowledgeBase) -> None:
    qid = _person(kb, "Vladimir Putin")
    by_name = client.get("/entities/Putin")
    assert by_name.status_code == 200, by_name.text
    assert by_name.json() == json.loads(run("entity", "Putin", "--json").stdout)
    assert by_name.json()["qid"] == qid == client.get(f"/entities/{qid}").json()["qid"]
    typed = client.get("/entities/Georgia", params={"type": "country"}).json()
    assert typed["type"] == "country"
    missing = client.get("/entities/Nobody Atall Zzz")
    assert missing.status_code == 404 and missing.json()["param"] == "name"
    run("entity", "Nobody Atall Zzz", code=1)


# --------------------------------------------------------------------------- 15: Swagger UI without a CDN
def test_docs_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "cdn." not in page.text and "unpkg" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', page.text)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        assert asset.startswith("/"), asset  # same origin: works offline
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 500, asset
    assert "openapi.json" in page.text and client.get("/openapi.json").status_code == 200


# --------------------------------------------------------------------------- 2: a QID of the wrong type, or unknown
def test_a_qid_of_another_type_is_an_error_naming_its_type(run, client: TestClient, kb: KnowledgeBase) -> None:
    person = _person(kb, "Vladimir Putin")
    result = run("search", "--country", person, code=2)
    assert "country:" in result.stderr and "a person" in result.stderr
    response = client.get("/search", params={"person": IRAN})
    assert response.status_code == 400 and response.json()["param"] == "person" and "a country" in response.json()["error"]


def test_a_qid_the_kb_does_not_know_is_kept_with_a_warning(run, client: TestClient, kb: KnowledgeBase) -> None:
    unknown = "Q999999999"
    assert kb.entity(unknown) is None
    result = run("search", "--country", unknown)
    assert "warning" in result.stderr and unknown in result.stderr
    body = client.get("/search", params={"country": unknown}).json()
    assert body["query"]["filters"] == {"country": [unknown]}
    assert [(n["level"], n["param"], n["qid"]) for n in body["query"]["notices"]] == [("warning", "country", unknown)]


# --------------------------------------------------------------------------- 3: ambiguous names
def _close_rival(kb: KnowledgeBase, name: str, facet: str):
    """(the KB's pick for name, another entity of the type with a close prior), or a skip."""
    from newslink.search.resolve import CLOSE_PRIOR

    first = kb.resolve(name, facet)
    rivals = [c.entity for c in kb.candidates(name) if c.entity.type == facet and first and c.entity.qid != first.qid
              and c.alias_kind != "surname" and c.entity.popularity >= CLOSE_PRIOR * max(first.popularity, c.entity.popularity)]
    if first is None or not rivals:
        pytest.skip(f"the KB has no close rival for {name!r} as a {facet}")
    return first, rivals[0]


def test_an_ambiguous_name_says_which_entity_and_the_others(run, client: TestClient, kb: KnowledgeBase) -> None:
    first, rival = _close_rival(kb, "Washington", "place")
    body = client.get("/search", params={"place": "Washington"}).json()
    notice = body["query"]["notices"][0]
    assert notice["level"] == "note" and notice["param"] == "place" and notice["qid"] == body["query"]["filters"]["place"][0]
    assert rival.qid in {o["qid"] for o in notice["others"]} | {notice["qid"]}
    result = run("search", "--place", "Washington")
    assert "note:" in result.stderr and first.qid in result.stderr and rival.qid in result.stderr
    plain = client.get("/search", params={"country": IRAN}).json()
    assert plain["query"]["notices"] == []  # a QID, or a name only one entity bears, says nothing


def test_an_ambiguous_name_prefers_what_the_index_mentions(tmp_path: Path, pipeline, kb: KnowledgeBase) -> None:
    from newslink.indexer.document import build_document
    from newslink.indexer.readers import read_paths

    first, rival = _close_rival(kb, "Washington", "place")
    source = tmp_path / "rival.jsonl"
    source.write_text("".join(
        json.dumps({"id": f"r-{n}", "title": f"Talks in {rival.label}", "text": f"Officials met in {rival.label} on Monday. {rival.label} said more talks follow."}) + "\n"
        for n in range(3)
    ))
    docs = [build_document(a, pipeline.link_text(a.body_for_nlp), kb.version) for a, _ in read_paths([source]) if a is not None]
    if not any(rival.qid in d["entities"]["place"] for d in docs):
        pytest.skip(f"the linker does not link {rival.label!r} to {rival.qid}")
    home = tmp_path / "home"
    engine = EmbeddedEngine(home, "articles")
    engine.write(docs)
    engine.commit()
    with TestClient(create_app(engine, kb), raise_server_exceptions=False) as c:
        body = c.get("/search", params={"place": "Washington"}).json()
    engine.close()
    assert body["query"]["filters"] == {"place": [rival.qid]} and body["total"] == len(docs)
    assert first.qid in {o["qid"] for o in body["query"]["notices"][0]["others"]}


# --------------------------------------------------------------------------- 4: sources in any case, and listed
def test_sources_match_in_any_case_and_can_be_listed(run, client: TestClient, corpus_docs: list[dict]) -> None:
    from collections import Counter

    counts = Counter(d["source"] for d in corpus_docs if d.get("source"))
    listed = json.loads(run("sources", "--json").stdout)
    assert {r["source"]: r["articles"] for r in listed} == dict(counts)
    assert "articles" in run("sources").stdout
    name = counts.most_common(1)[0][0]
    exact = client.get("/search", params={"source": name, "size": 100}).json()
    assert exact["total"] == counts[name]
    for typed in (name.lower(), name.upper()):
        body = json.loads(run("search", "--source", typed, "--size", "100", "--json").stdout)
        assert ids(body) == ids(exact) and body["query"]["sources"] == [name] and body["query"]["notices"] == []
    unknown = run("search", "--source", "No Such Outlet")
    assert "warning" in unknown.stderr and "newslink sources" in unknown.stderr


# --------------------------------------------------------------------------- 16: exit codes as the README says
def test_exit_codes_for_unknown_names_are_the_readme_s(run) -> None:
    from conftest import REPO

    readme = " ".join((REPO / "README.md").read_text().split())
    nothing_done = re.search(r"(\d) nothing done \(([^)]*)\)", readme)
    bad_query = re.search(r"(\d) bad usage or query \(([^)]*)\)", readme)
    assert nothing_done and "`entity`" in nothing_done.group(2) and "`kb lookup`" in nothing_done.group(2)
    assert bad_query and "search filter" in bad_query.group(2)
    run("entity", "Nobody Atall Zzz", code=int(nothing_done.group(1)))
    run("kb", "lookup", "Nobody Atall Zzz", code=int(nothing_done.group(1)))
    run("search", "--person", "Nobody Atall Zzz", code=int(bad_query.group(1)))
    run("search", "--country", "Q7747", code=int(bad_query.group(1)))


# --------------------------------------------------------------------------- 5: field scoping
def test_title_and_text_scope_a_word_and_other_prefixes_warn(run, client: TestClient, corpus_docs: list[dict]) -> None:
    word = "iran"
    named = re.compile(rf"\b{word}\b", re.I)
    in_title = {d["id"] for d in corpus_docs if named.search(d["title"])}
    in_text = {d["id"] for d in corpus_docs if named.search(d.get("text") or "")}
    assert in_title and in_text - in_title, "the corpus should name the word in a title and in a text only"
    assert ids(client.get("/search", params={"q": f"title:{word.title()}", "size": 100}).json()) == in_title
    assert ids(json.loads(run("search", f"text:{word}", "--size", "100", "--json").stdout)) >= in_text - in_title
    without = json.loads(run("search", f"-title:{word}", "--size", "100", "--json").stdout)
    assert ids(without) == {d["id"] for d in corpus_docs} - in_title
    body = client.get("/search", params={"q": "country:Iran"}).json()
    assert [(n["level"], n["param"]) for n in body["query"]["notices"]] == [("warning", "q")]
    assert "--country" in body["query"]["notices"][0]["message"]
    assert "not a field" in run("search", "country:Iran").stderr


# --------------------------------------------------------------------------- 17: status with the engine down
def test_status_with_the_engine_down_shows_what_it_knows(run, api_home: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    down = ("--engine", "elasticsearch", "--es-url", url)
    result = run(*down, "status", code=3)
    assert f"home   {api_home}" in result.stdout and url in result.stdout and "index  unavailable" in result.stdout
    assert "entities" in result.stdout  # the KB is still described
    assert result.stderr.count("newslink: error: ") == 1 and url in result.stderr
    data = json.loads(run(*down, "status", "--json", code=3).stdout)
    assert data["engine"] == {"engine": "elasticsearch", "index": "articles", "url": url}
    assert data["index"] is None and data["kb"]["entities"] > 0 and data["problems"][0].startswith("engine: ")
    assert json.loads(run("status", "--json").stdout)["problems"] == []


# --------------------------------------------------------------------------- 18: the README's ES test command, no server
def test_es_tests_skip_with_one_line_when_the_cluster_is_unreachable(tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys

    from conftest import REPO

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    env = {**os.environ, "NEWSLINK_ES_URL": url, "NEWSLINK_HOME": str(tmp_path / "home")}
    env.pop("NEWSLINK_KB", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_engine_contract.py", "-k", "count_get_roundtrip"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    assert "skipped" in last and "error" not in last and "failed" not in last
    assert "Traceback" not in out.stdout and "ConnectionRefused" not in out.stdout
    said = [line for line in out.stdout.splitlines() if url in line]
    assert len(said) == 1 and "skipped" in said[0] and "not reachable" in said[0], out.stdout[-2000:]


# --------------------------------------------------------------------------- 20: progress on a terminal of unknown width
def test_progress_on_a_zero_column_terminal_is_a_plain_line(tmp_path: Path, kb: KnowledgeBase, corpus_docs: list[dict]) -> None:
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import sys
    import termios

    from conftest import DATA

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 0, 0, 0))  # rows 24, columns 0: unknown width
    env = {**os.environ, "NEWSLINK_KB": str(kb.path)}
    env.pop("COLUMNS", None)
    newslink = Path(sys.executable).with_name("newslink")
    job = subprocess.Popen([str(newslink), "--home", str(tmp_path / "home"), "index", str(DATA / "articles.jsonl")],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while select.select([master], [], [], 120)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the job closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert job.wait(timeout=120) == 0
    os.close(master)
    job.stdout.close()
    shown = seen.decode("utf-8", "replace")
    total = len(corpus_docs)
    # the input is read once: the line follows its bytes (the ETA comes from them), with the articles done beside
    size = (DATA / "articles.jsonl").stat().st_size
    assert f"/{size / 1000:.2f}kB 100% [" in shown and f"B/s, {total} articles]" in shown, shown[-500:]
    assert not set(shown) & set("▏▎▍▌▋▊▉█|"), shown[-500:]  # no bar squeezed into no width


# --------------------------------------------------------------------------- issue 21: date filters on both engines
def test_accepted_date_filters_mean_the_same_on_both_engines(es_engine, tmp_path: Path, corpus_docs: list[dict]) -> None:
    from newslink.search.query import QueryError, SearchQuery

    embedded = EmbeddedEngine(tmp_path / "home", "articles")
    for engine in (embedded, es_engine):
        assert engine.write(corpus_docs) == []
        engine.commit()

    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(since=st.none() | date_filters, until=st.none() | date_filters)
    def agree(since, until) -> None:
        try:
            query = SearchQuery(since=since, until=until, size=100, facets=())
        except QueryError as exc:
            assert exc.param in ("since", "until")
            return
        low, high = query.since or "", query.until or "9999"
        expected = published_ids(corpus_docs, lambda p: low <= p[:19] <= high)
        for engine in (embedded, es_engine):
            assert {h.id for h in engine.search(query).hits} == expected, (engine.name, since, until)

    try:
        agree()
        from newslink.indexer.dates import EARLIEST, LATEST

        widest = SearchQuery(since=EARLIEST, until=LATEST, size=100, facets=())  # the edges are accepted by both
        assert all(len(e.search(widest).hits) == len([d for d in corpus_docs if d.get("published")]) for e in (embedded, es_engine))
    finally:
        embedded.close()
