"""The HTTP API on the real engine: same answers as the CLI, clean errors, a real
uvicorn process, survival across a reindex, and a schema-driven fuzz finding no 5xx.

Entity QIDs come from the linked test corpus itself (the starter KB is still
growing), except Iran (Q794), Israel (Q801) and the United States (Q30).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from newslink.indexer.kb import KnowledgeBase
from newslink.search.api import create_app
from newslink.search.cli import cli
from newslink.search.engines import Engine, EngineError
from newslink.search.engines.embedded import EmbeddedEngine

IRAN, ISRAEL, USA = "Q794", "Q801", "Q30"


# --------------------------------------------------------------------------- fixtures (api_home, client: conftest)
@pytest.fixture(scope="module")
def top(corpus_docs: list[dict]) -> dict[str, str]:
    """The most frequent linked QID per facet type in the corpus (what the linker found)."""
    out = {}
    for facet in ("person", "country", "weapon"):
        counts = Counter(q for d in corpus_docs for q in d["entities"][facet])
        if counts:
            out[facet] = counts.most_common(1)[0][0]
    return out


def cli_json(home: Path, command: str, *args: str) -> Any:
    """Run the real CLI on ``home`` with --json; NEWSLINK_HOME is restored afterwards."""
    result = CliRunner().invoke(cli, ["--home", str(home), command, "--json", *args], env={"NEWSLINK_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_timing(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "took_ms"}


def assert_error(response: httpx.Response, status: int, param: str | None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert body["param"] == param
    assert "Traceback" not in response.text
    return body


# --------------------------------------------------------------------------- same answers as the CLI
def _cases(top: dict[str, str]) -> list[tuple[list[tuple[str, str]], list[str]]]:
    """(API params, CLI args) pairs meaning the same query."""
    cases = [
        ([("q", "iran")], ["search", "iran"]),
        ([("country", IRAN)], ["search", "--country", IRAN]),
        ([("country", IRAN), ("country", ISRAEL), ("match", "all"), ("sort", "newest")],
         ["search", "--country", IRAN, "--country", ISRAEL, "--match", "all", "--sort", "newest"]),
        ([("q", "drones OR restraint"), ("since", "2024-01-01"), ("until", "2024-04-15"), ("size", "2"), ("page", "1")],
         ["search", "drones OR restraint", "--since", "2024-01-01", "--until", "2024-04-15", "--size", "2", "--page", "1"]),
        ([("source", "Wire A"), ("source", "Wire B"), ("sort", "oldest"), ("size", "2"), ("page", "2"), ("facet_size", "2")],
         ["search", "--source", "Wire A", "--source", "Wire B", "--sort", "oldest", "--size", "2", "--page", "2", "--facet-size", "2"]),
        ([("q", "-drones"), ("country", USA), ("highlight", "false")], ["search", "--country", USA, "--no-highlight", "--", "-drones"]),
        ([("histogram", "week"), ("since", "2024-04-01"), ("size", "0")], ["search", "--histogram", "week", "--since", "2024-04-01", "--size", "0"]),
        ([("histogram", "auto"), ("country", IRAN)], ["search", "--country", IRAN, "--histogram"]),
    ]
    if {"person", "weapon"} <= top.keys():  # three facet filters at once
        cases.append((
            [("person", top["person"]), ("country", IRAN), ("weapon", top["weapon"])],
            ["search", "--person", top["person"], "--country", IRAN, "--weapon", top["weapon"]],
        ))
    return cases


def test_search_equals_cli(client: TestClient, api_home: Path, top: dict[str, str]) -> None:
    for params, args in _cases(top):
        api = client.get("/search", params=params)
        assert api.status_code == 200, (params, api.text)
        cli_out = cli_json(api_home, *args)
        assert without_timing(api.json()) == without_timing(cli_out), params


def test_hits_and_facets_are_the_real_ones(client: TestClient, corpus_docs: list[dict], kb: KnowledgeBase) -> None:
    body = client.get("/search", params={"country": IRAN, "size": 100}).json()
    with_iran = {d["id"] for d in corpus_docs if IRAN in d["entities"]["country"]}
    assert {h["id"] for h in body["hits"]} == with_iran and body["total"] == len(with_iran)
    hit = body["hits"][0]
    assert set(hit) >= {"id", "title", "published", "source", "url", "score", "snippet", "title_html", "entities"}
    stored = next(d for d in corpus_docs if d["id"] == hit["id"])
    assert hit["title"] == stored["title"] and hit["url"] == stored["url"]
    assert [e["qid"] for e in hit["entities"]] == [e["qid"] for e in stored["entity_list"]]
    buckets = {b["qid"]: b for b in body["facets"]["country"]}
    # multi-select counting: the country facet ignores the country filter itself
    assert buckets[IRAN]["selected"] and buckets[IRAN]["count"] == len(with_iran)
    assert not any(b["selected"] for q, b in buckets.items() if q != IRAN)
    for facet, facet_buckets in body["facets"].items():
        for b in facet_buckets:
            entity = kb.entity(b["qid"])
            assert b["label"] == (entity.label if entity else b["qid"]), (facet, b)
    if kb.entity(IRAN):
        assert buckets[IRAN]["label"] == kb.entity(IRAN).label


def test_histogram_counts_every_dated_article(client: TestClient, corpus_docs: list[dict]) -> None:
    body = client.get("/search", params={"histogram": "month", "size": 0, "since": "2024-04-01"}).json()
    hist = body["histogram"]
    dated = [d["published"][:7] for d in corpus_docs if d.get("published")]
    assert hist["interval"] == "month" and sum(b["count"] for b in hist["buckets"]) == len(dated)
    assert {b["label"] for b in hist["buckets"] if b["count"]} == set(dated)
    assert all(b["selected"] == (b["key"] >= "2024-04-01") for b in hist["buckets"])
    assert client.get("/search").json()["histogram"] is None
    assert_error(client.get("/search?histogram=fortnight"), 422, "histogram")


def test_facets_only_equals_cli_facets(client: TestClient, api_home: Path) -> None:
    api = client.get("/search", params={"size": 0, "country": ISRAEL}).json()
    cli_out = cli_json(api_home, "facets", "--country", ISRAEL)
    assert api["hits"] == [] and api["total"] == cli_out["total"]
    assert api["facets"] == cli_out["facets"]


def test_facets_parameter_selects_types(client: TestClient) -> None:
    comma = client.get("/search", params={"facets": "person,country", "facet_size": 1}).json()
    repeated = client.get("/search", params=[("facets", "person"), ("facets", "country"), ("facet_size", "1")]).json()
    assert list(comma["facets"]) == list(repeated["facets"]) == ["person", "country"]
    assert all(len(b) <= 1 for b in comma["facets"].values())
    assert client.get("/search", params={"facets": ""}).json()["facets"] == {}


def test_names_resolve_like_qids(client: TestClient, kb: KnowledgeBase, top: dict[str, str]) -> None:
    for facet, qid in [("country", IRAN), *top.items()]:
        entity = kb.entity(qid)
        if entity is None or (kb.resolve(entity.label, facet) or entity).qid != qid:
            continue  # the starter KB does not name it (yet) or the name is ambiguous
        by_name = client.get("/search", params={facet: entity.label}).json()
        by_qid = client.get("/search", params={facet: qid}).json()
        assert by_name["hits"] == by_qid["hits"] and by_name["query"]["filters"] == {facet: [qid]}


# --------------------------------------------------------------------------- entities, articles, health
def test_entity_endpoint_equals_cli(client: TestClient, api_home: Path, corpus_docs: list[dict], kb: KnowledgeBase) -> None:
    if kb.entity(IRAN) is None:
        pytest.skip("Iran not in the starter KB")
    body = client.get(f"/entities/{IRAN}").json()
    assert body == cli_json(api_home, "entity", IRAN)
    assert body["label"] == kb.entity(IRAN).label and body["type"] == "country"
    assert body["articles"] == sum(IRAN in d["entities"]["country"] for d in corpus_docs)
    assert client.get(f"/entities/{IRAN.lower()}").json()["qid"] == IRAN


def test_autocomplete(client: TestClient, kb: KnowledgeBase) -> None:
    entity = kb.entity(IRAN)
    if entity is None:
        pytest.skip("Iran not in the starter KB")
    body = client.get("/entities", params={"prefix": entity.label[:3], "limit": 50}).json()
    assert IRAN in [e["qid"] for e in body["entities"]] and len(body["entities"]) <= 50
    typed = client.get("/entities", params={"prefix": entity.label[:3], "type": "person"}).json()
    assert all(e["type"] == "person" for e in typed["entities"]) and typed["type"] == "person"
    assert len(client.get("/entities", params={"prefix": "a", "limit": 2}).json()["entities"]) <= 2


def test_article_with_mentions(client: TestClient, corpus_docs: list[dict]) -> None:
    stored = max(corpus_docs, key=lambda d: len(d["mentions"]))
    body = client.get(f"/articles/{stored['id']}").json()
    assert body["id"] == stored["id"] and body["text"] == stored["text"]
    assert len(body["mentions"]) == len(stored["mentions"]) > 0
    for m in body["mentions"]:
        assert set(m) >= {"field", "start", "end", "text", "qid", "confidence"}
        assert body[m["field"]][m["start"]:m["end"]] == m["text"]  # offsets a client can underline
    assert {m["qid"] for m in body["mentions"] if m["qid"]} == {e["qid"] for e in stored["entity_list"] if not e.get("unlinked")}
    assert_error(client.get("/articles/no-such-article"), 404, "id")


def test_health(client: TestClient, corpus_docs: list[dict], kb: KnowledgeBase) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["engine"] == "embedded" and body["index"] == "articles"
    assert body["documents"] == len(corpus_docs) and body["kb_version"] == kb.version


def test_openapi_describes_the_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/search", "/entities", "/entities/{name}", "/articles/{id}", "/health"} <= set(spec["paths"])
    search = spec["paths"]["/search"]["get"]
    assert {p["name"] for p in search["parameters"]} == {
        "q", "person", "country", "place", "org", "weapon", "match", "country_scope", "since", "until", "source",
        "sort", "page", "size", "facets", "facet_size", "highlight", "histogram", "unlinked"}
    assert search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("SearchResponse")
    assert search["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")
    # the formats some values must have are declared, not left as free strings
    schemas = {p["name"]: p["schema"] for p in search["parameters"]}

    for name in ("since", "until"):
        assert "2017-02" in schemas[name]["examples"] and "ISO 8601" in schemas[name]["x-newslink-format"]
        for example in schemas[name]["examples"]:  # every documented example is accepted
            assert client.get("/search", params={name: example, "size": 0}).status_code == 200, example
    assert set(schemas["facets"]["x-newslink-values"]) >= {"person", "country", "source"}


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("url", "status", "param"),
    [
        ("/search?contry=Q794", 400, "contry"),
        ("/search?since=yesterdayish", 400, "since"),
        ("/search?since=2024-02-01&until=2024-01-01", 400, "since"),
        ("/search?page=101&size=100", 400, "page"),
        ("/search?person=Nobody%20Atall%20Zzzq", 400, "person"),
        ("/search?facets=person,bogus", 400, "facets"),
        ("/search?size=101", 422, "size"),
        ("/search?page=0", 422, "page"),
        ("/search?page=two", 422, "page"),
        ("/search?facet_size=1000", 422, "facet_size"),
        ("/search?sort=random", 422, "sort"),
        ("/search?q=" + "x" * 1001, 422, "q"),
        ("/search?" + "&".join(["source=a"] * 21), 422, "source"),
        ("/entities/Q999999999", 404, "name"),
        ("/entities?prefix=", 422, "prefix"),
        ("/entities", 422, "prefix"),
        ("/entities?prefix=ir&type=ship", 422, "type"),
        ("/entities?prefix=ir&limit=1000", 422, "limit"),
        ("/health?verbose=1", 400, "verbose"),
        ("/no/such/endpoint", 404, None),
    ],
)
def test_bad_requests_name_the_parameter(client: TestClient, url: str, status: int, param: str | None) -> None:
    assert_error(client.get(url), status, param)


def test_read_only(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert_error(client.request(method, "/search"), 405, None)


class DownEngine(Engine):
    """Test double for the error path only: every call fails as an unreachable engine does."""

    name = "elasticsearch"
    index_name = "articles"

    def _down(self, *args: Any, **kwargs: Any) -> Any:
        raise EngineError("connection refused (http://127.0.0.1:9200)")

    write = commit = search = get = count = count_entity = iter_documents = info = aggregate = scan = _down  # type: ignore[assignment]
    create_generation = promote = discard = _down  # type: ignore[assignment]


class BuggyEngine(DownEngine):
    def _bug(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    search = _bug  # type: ignore[assignment]


def test_engine_down_is_503(kb: KnowledgeBase) -> None:
    with TestClient(create_app(DownEngine(), kb), raise_server_exceptions=False) as c:
        for url in ("/search?q=iran", f"/entities/{IRAN}", "/articles/t-1"):
            body = assert_error(c.get(url), 503, None)
            assert "unavailable" in body["error"]
        health = c.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "unavailable" and health.json()["error"]
        assert c.get("/entities", params={"prefix": "ir"}).status_code == 200  # the KB alone still answers
        assert_error(c.get("/search?page=0"), 422, "page")  # bad parameters are still the client's fault


def test_unexpected_errors_are_json_without_internals(kb: KnowledgeBase) -> None:
    with TestClient(create_app(BuggyEngine(), kb), raise_server_exceptions=False) as c:
        response = c.get("/search")
        assert_error(response, 500, None)
        assert "secret internal detail" not in response.text


def test_lazy_open_recovers_after_a_failure(api_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening failures are not cached: the API recovers once the engine is there."""
    monkeypatch.setenv("NEWSLINK_HOME", str(api_home))
    monkeypatch.setenv("NEWSLINK_ENGINE", "no-such-engine")
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        assert c.get("/health").status_code == 503
        assert_error(c.get("/search"), 503, None)
        monkeypatch.delenv("NEWSLINK_ENGINE")
        assert c.get("/health").json()["status"] == "ok"
        assert c.get("/search", params={"country": IRAN}).json()["total"] > 0


def test_cors_is_off_unless_configured(client: TestClient, kb: KnowledgeBase) -> None:
    origin = {"Origin": "https://newsroom.example"}
    assert "access-control-allow-origin" not in client.get("/health", headers=origin).headers
    engine = DownEngine()
    with TestClient(create_app(engine, kb, cors_origins=["https://newsroom.example"])) as c:
        preflight = c.options("/search", headers={**origin, "Access-Control-Request-Method": "GET"})
        assert preflight.headers["access-control-allow-origin"] == "https://newsroom.example"
        other = c.options("/search", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in other.headers


def test_survives_a_reindex(api_home: Path, tmp_path: Path) -> None:
    """`newslink reindex` in another process swaps the generation; the API follows it."""
    home = tmp_path / "home"
    shutil.copytree(api_home, home)
    engine = EmbeddedEngine(home, "articles")
    kb = KnowledgeBase(home / "kb.sqlite")
    try:
        with TestClient(create_app(engine, kb)) as c:
            before = c.get("/health").json()
            hits_before = c.get("/search", params={"country": IRAN}).json()["hits"]
            summary = cli_json(home, "reindex", "--no-progress")
            assert summary["generation"] != before["generation"]
            after = c.get("/health").json()
            assert after["generation"] == summary["generation"] and after["documents"] == before["documents"]
            assert [h["id"] for h in c.get("/search", params={"country": IRAN}).json()["hits"]] == [h["id"] for h in hits_before]
    finally:
        engine.close()
        kb.close()


# --------------------------------------------------------------------------- a real uvicorn process
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_uvicorn_process(api_home: Path, client: TestClient) -> None:
    port = _free_port()
    env = {**os.environ, "NEWSLINK_HOME": str(api_home)}
    env.pop("NEWSLINK_ENGINE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newslink.search.cli", "--home", str(api_home), "serve", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "server exited"
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "uvicorn did not answer /health within 30 s"
            time.sleep(0.1)
        params = {"country": IRAN, "facet_size": "5"}
        live = httpx.get(f"{base}/search", params=params, timeout=10)
        assert live.status_code == 200
        assert without_timing(live.json()) == without_timing(client.get("/search", params=params).json())
        assert_error(httpx.get(f"{base}/search", params={"size": "500"}, timeout=10), 422, "size")
        assert "access-control-allow-origin" not in httpx.get(f"{base}/health", headers={"Origin": "https://x.example"}).headers
        _concurrent_requests_agree_with_serial_ones(base, client)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _concurrent_requests_agree_with_serial_ones(base: str, client: TestClient) -> None:
    """Searches run unlocked in the server's thread pool: many at once must give
    exactly what one at a time gives (the KB's shared SQLite connection, the
    engine's searcher swap and the caches are what is exercised)."""
    from concurrent.futures import ThreadPoolExecutor

    ids = [h["id"] for h in client.get("/search", params={"size": "20"}).json()["hits"]]
    requests: list[tuple[str, dict[str, str]]] = []
    for i, prefix in enumerate(["i", "is", "ir", "ira", "u", "un", "j", "jo", "b", "be", "n", "ne", "s", "sy", "y", "ye"]):
        requests.append(("/entities", {"prefix": prefix}))
        requests.append(("/search", {"q": ["iran", "israel", "strike", "talks"][i % 4], "country": [IRAN, "Israel", "United States"][i % 3]}))
        requests.append((f"/articles/{ids[i % len(ids)]}", {}))
        requests.append((f"/entities/{[IRAN, ISRAEL, USA][i % 3]}", {}))
    expected = [client.get(path, params=params) for path, params in requests]
    assert all(r.status_code == 200 for r in expected), [r.text for r in expected if r.status_code != 200][:3]

    def ask(k: int) -> tuple[int, int, Any]:
        path, params = requests[k % len(requests)]
        with httpx.Client(base_url=base, timeout=30) as http:
            r = http.get(path, params=params)
        return k, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(4 * len(requests))))
    for k, status, body in answers:
        want = expected[k % len(requests)].json()
        assert status == 200, (requests[k % len(requests)], body)
        assert without_timing(body) == without_timing(want), requests[k % len(requests)]


# --------------------------------------------------------------------------- property-based, from the OpenAPI
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_openapi_fuzz_finds_no_server_error(client: TestClient, mode: GenerationMode) -> None:
    """Requests generated from the app's own OpenAPI (in-process, no network): valid
    ones and deliberately invalid ones. None may get a 5xx; every answer must match
    the documented status codes and response schemas.

    (Driven through Hypothesis directly: schemathesis' pytest plugin does not run
    under pytest 9.)
    """
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    if mode is GenerationMode.NEGATIVE:
        checks.append(negative_data_rejection)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/search", "/entities", "/entities/{name}", "/articles/{id}", "/health"}
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not list(operation.iter_parameters()):
            continue  # nothing to make invalid (/health)

        @given(case=operation.as_strategy(generation_mode=mode))
        # Derandomized: schemathesis' negative mode sometimes counts as invalid a query value
        # that is valid on the wire (a one-element array sent as one string, a null sent as
        # "until="; schemathesis issues #3962, #4600), so a random draw failed about one run in
        # six with nothing wrong in the API. A fixed draw keeps the check repeatable.
        @settings(max_examples=50, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.method, case.path, case.query, response.text)
            case.validate_response(response, checks=checks)

        run()


def test_related_equals_cli_and_counts_articles(client: TestClient, api_home: Path, corpus_docs: list[dict]) -> None:
    body = client.get(f"/entities/{IRAN}/related", params={"min_count": 1, "size": 5}).json()
    with_iran = [d for d in corpus_docs if IRAN in d["entities"]["country"]]
    assert body["entity"]["qid"] == IRAN and body["articles"] == len(with_iran) and body["background"] == len(corpus_docs)
    for facet, rows in body["related"].items():
        for row in rows:
            assert row["count"] == sum(row["qid"] in d["entities"][facet] for d in with_iran)
            assert row["background"] == sum(row["qid"] in d["entities"][facet] for d in corpus_docs)
            assert row["qid"] != IRAN and row["lift"] > 1
    cli_out = cli_json(api_home, "related", IRAN, "--min-count", "1", "--facet-size", "5")
    assert without_timing(body) == without_timing(cli_out)
    narrowed = client.get(f"/entities/{IRAN}/related", params={"q": "drones", "types": "person,country", "min_count": 1}).json()
    assert set(narrowed["related"]) == {"person", "country"} and narrowed["background"] <= body["background"]
    assert_error(client.get("/entities/Q999999999/related"), 404, "qid")
    assert_error(client.get(f"/entities/{IRAN}/related?types=planet"), 400, "types")


def test_export_streams_every_match_within_the_cap(client: TestClient, api_home: Path, corpus_docs: list[dict], kb: KnowledgeBase) -> None:
    import csv
    import io

    lines = client.get("/export", params={"country": IRAN}).text.splitlines()
    with_iran = sorted(d["id"] for d in corpus_docs if IRAN in d["entities"]["country"])
    assert [json.loads(line)["id"] for line in lines] == with_iran
    response = client.get("/export", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv") and response.headers["x-total-count"] == str(len(corpus_docs))
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["id"] for r in rows) == sorted(d["id"] for d in corpus_docs)
    by_id = {d["id"]: d for d in corpus_docs}
    for r in rows:
        qids = r["country_qids"].split("; ") if r["country_qids"] else []
        assert qids == [e["qid"] for e in by_id[r["id"]]["entity_list"] if e["type"] == "country"]
    out = CliRunner().invoke(cli, ["--home", str(api_home), "search", "--all", "--format", "csv"], env={"NEWSLINK_HOME": str(api_home)}, catch_exceptions=False)
    assert out.exit_code == 0 and out.stdout.replace("\r\n", "\n") == response.text.replace("\r\n", "\n")  # CliRunner reads text mode
    with TestClient(create_app(EmbeddedEngine(api_home), kb, export_limit=2)) as small:
        assert_error(small.get("/export"), 400, "q")
        assert len(small.get("/export", params={"q": "restraint"}).text.splitlines()) <= 2
