"""Wikidata sources: the dump reader on real Wikidata JSON, SPARQL and the API
against a local server answering in Wikidata's response formats (no network)."""
from __future__ import annotations

import bz2
import gzip
import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from newslink.indexer.kb import entities, wikidata
from newslink.indexer.kb.http import Http, WikidataError
from newslink.indexer.kb.online import OnlineCache, OnlineResolver, WikidataAPI, cache_path
from newslink.indexer.kb.sparql import SparqlClient, SparqlImport
from newslink.indexer.kb.store import KnowledgeBase

FIXTURES = ["Q42", "Q45", "Q513", "Q106975887"]


def statement(prop: str, qid: str, rank: str = "normal") -> dict:
    """A claim the way Wikidata's JSON writes it."""
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": prop,
            "datavalue": {"value": {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid}, "type": "wikibase-entityid"},
            "datatype": "wikibase-item",
        },
        "type": "statement",
        "rank": rank,
    }


def item(qid: str, label: str, classes: list[str], *, description: str = "", aliases: list[str] = (), sitelinks: int = 3, subclass_of: list[str] = (), demonyms: list[str] = ()) -> dict:
    claims: dict = {"P31": [statement("P31", c) for c in classes]}
    if subclass_of:
        claims["P279"] = [statement("P279", c) for c in subclass_of]
    if demonyms:
        claims["P1549"] = [
            {"mainsnak": {"snaktype": "value", "property": "P1549", "datavalue": {"value": {"text": d, "language": "en"}, "type": "monolingualtext"}}, "rank": "normal", "type": "statement"}
            for d in demonyms
        ]
    return {
        "type": "item",
        "id": qid,
        "labels": {"en": {"language": "en", "value": label}} if label else {},
        "descriptions": {"en": {"language": "en", "value": description}} if description else {},
        "aliases": {"en": [{"language": "en", "value": a} for a in aliases]},
        "claims": claims,
        "sitelinks": {f"site{i}wiki": {"site": f"site{i}wiki", "title": label, "badges": []} for i in range(sitelinks)},
    }


def write_dump(path: Path, entities: list[dict]) -> Path:
    body = "[\n" + ",\n".join(json.dumps(e, separators=(",", ":")) for e in entities) + "\n]\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(body)
    elif path.suffix == ".bz2":
        with bz2.open(path, "wt", encoding="utf-8") as handle:
            handle.write(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path


def fixture_entities() -> list[dict]:
    from conftest import shared_path

    out = []
    for name in FIXTURES:
        data = json.loads(shared_path("wikidata-fixtures", f"{name}.json").read_text(encoding="utf-8"))
        out.extend(data["entities"].values())
    return out


def kb_entity(path: Path, qid: str):
    kb = KnowledgeBase(path)
    try:
        return kb.entity(qid)
    finally:
        kb.close()


# --------------------------------------------------------------------------- one entity
@pytest.mark.shared
def test_records_from_real_wikidata_entities() -> None:
    by_id = {e["id"]: e for e in fixture_entities()}
    adams = entities.entity_record(by_id["Q42"])
    assert (adams.type, adams.label, adams.kind) == ("person", "Douglas Adams", "human")
    assert adams.description == "English writer and humorist"
    assert "Douglas Noel Adams" in adams.aliases
    assert adams.popularity == len(by_id["Q42"]["sitelinks"])
    portugal = entities.entity_record(by_id["Q45"])
    assert portugal.type == "country" and "Portuguese" in portugal.demonyms
    assert "Portuguese Republic" in portugal.aliases
    assert not any(a in portugal.aliases for a in ("PT", "🇵🇹"))  # codes and flags are not names
    assert all(d.isascii() for d in portugal.demonyms)  # English only
    everest = entities.entity_record(by_id["Q513"])
    assert everest.type == "place" and "Everest" in everest.aliases
    assert entities.entity_record(by_id["Q106975887"]).type == "person"
    assert entities.entity_record(by_id["Q106975887"], min_sitelinks=10) is None


def test_records_keep_only_faceted_classes() -> None:
    assert entities.entity_record(item("Q1", "Some film", ["Q11424"])) is None  # a film
    assert entities.entity_record(item("Q2", "", ["Q5"])) is None  # no English label
    rec = entities.entity_record(item("Q3", "Acme", ["Q5", "Q4830453"]))
    assert rec.type == "person"  # several types: the priority decides
    deprecated = item("Q4", "Old", ["Q5"])
    deprecated["claims"]["P31"][0]["rank"] = "deprecated"
    assert entities.entity_record(deprecated) is None
    assert entities.entity_record({"type": "property", "id": "P31", "claims": {}}) is None


@pytest.mark.shared
def test_mock_dump_layout_and_numeric_ids() -> None:
    from conftest import shared_path

    path = shared_path("wikidata-fixtures", "mock-dump-for-testing.json")
    items = [e for _n, line, _pos in wikidata.iter_dump(path) if (e := wikidata.parse_line(line))]
    assert [e["id"] for e in items] == ["Q1", "Q8", "P16"]
    assert entities.claim_ids(items[0], "P31") == ["Q1454986"]  # "numeric-id" only, no "id"
    assert all(entities.entity_record(e) is None for e in items)  # German labels only
    universe = entities.entity_record(items[0], {"Q1454986": ("place", "universe")}, lang="de")
    assert universe.label == "Universum" and universe.aliases == ["Weltall", "All", "Kosmos", "Weltraum"]


def test_class_list_file(tmp_path: Path) -> None:
    good = tmp_path / "classes.tsv"
    good.write_text("# extra classes\nQ11424\torg\tfilm_studio\nhttp://www.wikidata.org/entity/Q7889\tweapon\n")
    assert entities.read_classes(good) == {"Q11424": ("org", "film_studio"), "Q7889": ("weapon", "weapon")}
    bad = tmp_path / "bad.tsv"
    bad.write_text("Q1\tplanet\n")
    with pytest.raises(ValueError, match="bad.tsv:1"):
        entities.read_classes(bad)


# --------------------------------------------------------------------------- the dump import
@pytest.mark.shared
@pytest.mark.parametrize("suffix", [".json", ".json.gz", ".json.bz2"])
def test_dump_import_merges_with_the_starter_kb(tmp_path: Path, session_home: Path, suffix: str) -> None:
    dump = write_dump(tmp_path / f"dump{suffix}", fixture_entities())
    target = tmp_path / "kb.sqlite"
    seen = []
    result = wikidata.build_from_dump(target, dump, progress=lambda read, total, kept: seen.append((read, total)))
    assert result["staged"] == 4 and seen and seen[-1][0] == seen[-1][1]
    assert kb_entity(target, "Q42").label == "Douglas Adams"
    portugal = kb_entity(target, "Q45")
    assert portugal.popularity == 330  # the dump's sitelinks over the starter's estimate
    kb = KnowledgeBase(target)
    assert {c.entity.qid for c in kb.candidates("Portuguese")} == {"Q45"}
    assert kb.entity("Q794") is not None  # the starter KB is still there
    assert json.loads(kb.meta["sources"]) == ["starter", f"wikidata-dump:{dump.name}"]
    kb.close()
    assert not wikidata.staging_path(target).exists()


@pytest.mark.parametrize("suffix", [".json", ".json.gz", ".json.bz2"])
def test_dump_import_resumes_after_an_interruption(tmp_path: Path, session_home: Path, suffix: str) -> None:
    people = [item(f"Q{900000 + i}", f"Person Number{i}", ["Q5"], sitelinks=5) for i in range(10)]
    dump = write_dump(tmp_path / f"dump{suffix}", people)
    target = tmp_path / "kb.sqlite"

    def crash(read: int, total: int, kept: int) -> None:
        if kept >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        wikidata.DumpImport(target, dump, checkpoint_every=2).run(crash)
    assert not target.exists() and wikidata.staging_path(target).exists()
    again = wikidata.DumpImport(target, dump, checkpoint_every=2)
    assert again.resumed_at > 0
    result = again.run()
    assert result["staged"] == 10 and result["resumed_at_line"] == again.resumed_at
    assert kb_entity(target, "Q900009").label == "Person Number9"
    # --restart ignores what was staged
    with pytest.raises(KeyboardInterrupt):
        wikidata.DumpImport(target, dump, checkpoint_every=2).run(crash)
    assert wikidata.DumpImport(target, dump, checkpoint_every=2, resume=False).resumed_at == 0


def test_dump_import_expands_subclasses(tmp_path: Path, session_home: Path) -> None:
    entities = [
        item("Q900100", "news agency type", [], subclass_of=["Q43229"]),  # a subclass of organization
        item("Q900101", "Wire Service Example", ["Q900100"], description="news agency"),
    ]
    dump = write_dump(tmp_path / "dump.json", entities)
    plain = wikidata.build_from_dump(tmp_path / "a.sqlite", dump)
    assert plain["staged"] == 0
    expanded = wikidata.build_from_dump(tmp_path / "b.sqlite", dump, expand_classes=True)
    assert expanded["staged"] == 1
    assert kb_entity(tmp_path / "b.sqlite", "Q900101").type == "org"


def test_cli_kb_build_dump(tmp_path: Path, session_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newslink.search.cli import cli

    monkeypatch.setenv("NEWSLINK_KB", str(tmp_path / "cli-kb.sqlite"))
    dump = write_dump(tmp_path / "d.json.gz", [item("Q900200", "Zorblax Quentaro", ["Q5"], description="fictional test politician")])
    result = CliRunner().invoke(cli, ["kb", "build", "--dump", str(dump), "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["staged"] == 1
    lookup = CliRunner().invoke(cli, ["kb", "lookup", "Zorblax Quentaro", "--json"])
    assert json.loads(lookup.output)[0]["qid"] == "Q900200"
    assert CliRunner().invoke(cli, ["kb", "build", "--dump", str(dump), "--sparql"]).exit_code == 2


# --------------------------------------------------------------------------- a local Wikidata
class QueryTimedOut(Exception):
    pass


class FakeWikidata:
    """Answers like query.wikidata.org/sparql and www.wikidata.org/w/api.php."""

    def __init__(self, entities: list[dict]) -> None:
        self.entities = {e["id"]: e for e in entities}
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, params)
        self.user_agents: list[str] = []
        self.fail_next = 0  # answer 429 this many times first
        self.budget: int | None = None  # listing queries over a band larger than this time out
        self.timeouts = 0
        self.most_work = 0  # the largest band a listing query that was answered had to sort

    # -- SPARQL ------------------------------------------------------------------
    def sparql(self, query: str) -> dict:
        uri = "http://www.wikidata.org/entity/"
        if "wikibase:sitelinks" in query:
            # One class, one sitelink band, a page: as bench/kb.sparql asks. The work is the
            # band's size (the service sorts it for ORDER BY): over the budget it "times out".
            cls = re.search(r"wdt:P31 wd:(Q\d+)", query).group(1)
            lo = int(re.search(r"\?sitelinks >= (\d+)", query).group(1))
            hi_match = re.search(r"\?sitelinks < (\d+)", query)
            hi = int(hi_match.group(1)) if hi_match else None
            limit = int(query.split("LIMIT")[1].split()[0])
            offset = int(query.split("OFFSET")[1].split()[0])
            band = sorted(
                (e for e in self.entities.values()
                 if cls in entities.claim_ids(e, "P31") and lo <= len(e["sitelinks"]) and (hi is None or len(e["sitelinks"]) < hi)),
                key=lambda e: uri + e["id"],
            )
            if self.budget is not None and len(band) > self.budget:
                self.timeouts += 1
                raise QueryTimedOut
            self.most_work = max(self.most_work, len(band))
            rows = [
                {
                    "item": {"type": "uri", "value": uri + e["id"]},
                    "sitelinks": {"datatype": "http://www.w3.org/2001/XMLSchema#integer", "type": "literal", "value": str(len(e["sitelinks"]))},
                }
                for e in band[offset : offset + limit]
            ]
            return {"head": {"vars": ["item", "sitelinks"]}, "results": {"bindings": rows}}
        ids = [v.replace("wd:", "") for v in query.split("VALUES ?item {")[1].split("}")[0].split()]
        rows = []

        def lit(what: str, value: str) -> dict:
            return {"item": {"type": "uri", "value": uri + qid}, "what": {"type": "literal", "value": what}, "value": {"xml:lang": "en", "type": "literal", "value": value}}

        for qid in ids:
            e = self.entities[qid]
            if "en" in e["labels"]:
                rows.append(lit("label", e["labels"]["en"]["value"]))
            if "en" in e["descriptions"]:
                rows.append(lit("description", e["descriptions"]["en"]["value"]))
            for a in e["aliases"].get("en", []):
                rows.append(lit("alias", a["value"]))
            for st in e["claims"].get("P1549", []):
                v = st["mainsnak"]["datavalue"]["value"]
                if v["language"] == "en":
                    rows.append(lit("demonym", v["text"]))
        return {"head": {"vars": ["item", "what", "value"]}, "results": {"bindings": rows}}

    # -- the MediaWiki API ---------------------------------------------------------------
    def api(self, params: dict) -> dict:
        action = params.get("action")
        if action == "wbsearchentities":
            term = params["search"].lower()
            hits = []
            for e in self.entities.values():
                label = e["labels"].get("en", {}).get("value", "")
                names = [label] + [a["value"] for a in e["aliases"].get("en", [])]
                match = next((n for n in names if n.lower().startswith(term)), None)
                if match:
                    hits.append(
                        {
                            "id": e["id"], "title": e["id"], "pageid": 1, "repository": "wikidata",
                            "url": f"//www.wikidata.org/wiki/{e['id']}", "concepturi": f"http://www.wikidata.org/entity/{e['id']}",
                            "label": label, "description": e["descriptions"].get("en", {}).get("value", ""),
                            "match": {"type": "label" if match == label else "alias", "language": "en", "text": match},
                            **({"aliases": [match]} if match != label else {}),
                        }
                    )
            return {"searchinfo": {"search": params["search"]}, "search": hits, "success": 1}
        if action == "wbgetentities":
            out = {}
            for qid in params["ids"].split("|"):
                out[qid] = self.entities.get(qid, {"id": qid, "missing": ""})
            return {"entities": out, "success": 1}
        return {"error": {"code": "badvalue", "info": f"Unrecognized value for parameter action: {action}"}}


@pytest.fixture()
def wikidata_server():
    fake = FakeWikidata([])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, body: dict, content_type: str, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, params: dict) -> None:
            path = urlparse(self.path).path
            fake.requests.append((self.command, path, params))
            fake.user_agents.append(self.headers.get("User-Agent", ""))
            if fake.fail_next:
                fake.fail_next -= 1
                self._answer(429, {"error": "too many requests"}, "application/json", {"Retry-After": "0"})
                return
            if path == "/sparql":
                assert "application/sparql-results+json" in self.headers.get("Accept", "")
                try:
                    answer = fake.sparql(params["query"])
                except QueryTimedOut:  # what the query service answers at its 60 s limit
                    self._answer(500, {"error": "java.util.concurrent.ExecutionException: java.util.concurrent.TimeoutException"}, "text/plain")
                    return
                self._answer(200, answer, "application/sparql-results+json")
            elif path == "/w/api.php":
                self._answer(200, fake.api(params), "application/json; charset=utf-8")
            else:
                self._answer(404, {"error": "not found"}, "application/json")

        def do_GET(self) -> None:
            self._handle({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self._handle({k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def quick_http() -> Http:
    return Http(pause=0, backoff=0, retries=3, timeout=5)


SAMPLE = [
    item("Q900300", "Ruritania", ["Q6256"], description="country in fiction", aliases=["Republic of Ruritania"], sitelinks=50, demonyms=["Ruritanian"]),
    item("Q900301", "Strelsau", ["Q515"], description="capital of Ruritania", sitelinks=20),
    item("Q900302", "Rudolf Rassendyll", ["Q5"], description="Ruritanian politician", aliases=["Rudolf Elphberg"], sitelinks=12),
    item("Q900303", "The Prisoner of Zenda", ["Q11424"], description="film", sitelinks=40),  # not faceted
    item("Q900304", "Zenda Castle Guard", ["Q900305"], description="armed group", sitelinks=4),
    item("Q900305", "palace guard unit", [], subclass_of=["Q17149090"]),
]


# --------------------------------------------------------------------------- SPARQL
def test_sparql_pages_and_retries(wikidata_server, tmp_path: Path, session_home: Path) -> None:
    wikidata_server.entities.update({e["id"]: e for e in SAMPLE})
    wikidata_server.fail_next = 1  # a 429 first: retried after Retry-After
    client = SparqlClient(wikidata_server.url + "/sparql", http=quick_http())
    target = tmp_path / "kb.sqlite"
    result = SparqlImport(target, client=client, min_sitelinks=0, page_size=1).run()
    assert result["staged"] == 3  # country, city, person; not the film
    assert all(ua.startswith("newslink/") for ua in wikidata_server.user_agents)
    assert all(method == "POST" for method, _path, _params in wikidata_server.requests)
    listing = [p["query"] for _m, _path, p in wikidata_server.requests if "wikibase:sitelinks" in p.get("query", "")]
    assert any("OFFSET 1" in q for q in listing)  # paged
    kb = KnowledgeBase(target)
    assert kb.entity("Q900300").type == "country"
    assert {c.entity.qid for c in kb.candidates("Ruritanian")} == {"Q900300"}
    assert {c.entity.qid for c in kb.candidates("Rudolf Elphberg")} == {"Q900302"}
    assert kb.entity("Q900303") is None and kb.entity("Q794") is not None
    kb.close()


def test_sparql_gives_up_with_a_clear_error(wikidata_server) -> None:
    wikidata_server.fail_next = 10
    client = SparqlClient(wikidata_server.url + "/sparql", http=quick_http())
    with pytest.raises(WikidataError, match="HTTP 429"):
        client.select("SELECT ?item WHERE { ?item wdt:P31 wd:Q5 } LIMIT 1")


def many_namesakes() -> list[dict]:
    """150 people and 40 towns, sitelinks spread as in Wikidata: many with few, a few with many."""
    people = [item(f"Q{910000 + i}", f"John Smith {i}", ["Q5"], sitelinks=(i * 7) % 23) for i in range(150)]
    towns = [item(f"Q{911000 + i}", f"Springfield {i}", ["Q532" if i % 2 else "Q3957"], sitelinks=i % 9) for i in range(40)]
    return people + towns


def test_sparql_lists_by_class_and_sitelink_band_within_the_time_limit(wikidata_server, tmp_path: Path, session_home: Path) -> None:
    """The server times out any listing that must sort more than 30 items (as Wikidata's
    does after 60 s): the import splits bands until every query fits, and gets everything."""
    wikidata_server.entities.update({e["id"]: e for e in many_namesakes()})
    wikidata_server.budget = 30
    client = SparqlClient(wikidata_server.url + "/sparql", http=quick_http())
    result = SparqlImport(tmp_path / "kb.sqlite", client=client, min_sitelinks=0, page_size=20, shipped=["starter"]).run()
    assert result["staged"] == 190
    assert wikidata_server.timeouts > 0  # the starting bands were too large for people…
    assert 0 < wikidata_server.most_work <= 30  # …and every answered query fitted
    listing = [p["query"] for _m, _path, p in wikidata_server.requests if "wikibase:sitelinks" in p.get("query", "")]
    assert all(len(re.findall(r"wdt:P31 wd:Q\d+", q)) == 1 for q in listing)  # one class per query
    kb = KnowledgeBase(tmp_path / "kb.sqlite")
    assert len(kb.candidates("John Smith 149")) == 1 and kb.entity("Q911039").type == "place"
    kb.close()


def test_sparql_walk_resumes_and_keeps_the_most_linked_under_a_limit(wikidata_server, tmp_path: Path, session_home: Path) -> None:
    wikidata_server.entities.update({e["id"]: e for e in many_namesakes()})
    wikidata_server.budget = 30
    client = SparqlClient(wikidata_server.url + "/sparql", http=quick_http())
    target = tmp_path / "kb.sqlite"
    listed: list[int] = []

    def stop_midway(type_: str, count: int) -> None:
        listed.append(count)
        if type_ == "person" and count >= 60:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        SparqlImport(target, client=client, min_sitelinks=0, page_size=20, shipped=["starter"]).run(stop_midway)
    before = len(wikidata_server.requests)
    result = SparqlImport(target, client=client, min_sitelinks=0, page_size=20, shipped=["starter"]).run()
    assert result["staged"] == 190
    resumed = [p["query"] for _m, _path, p in wikidata_server.requests[before:] if "wikibase:sitelinks" in p.get("query", "")]
    assert not any(">= 20 && ?sitelinks < 25" in q and "wd:Q5 " in q for q in resumed)  # the top band is not asked again
    # --limit keeps the most linked band of a type first: bands go from the top down
    limited = SparqlImport(tmp_path / "top.sqlite", client=client, min_sitelinks=0, page_size=20, limit=10, resume=False, shipped=["starter"]).run()
    kb = KnowledgeBase(tmp_path / "top.sqlite")
    people = [kb.entity(f"Q{910000 + i}") for i in range(150)]
    kept = sorted(p.popularity for p in people if p is not None)
    kb.close()
    assert len(kept) == 10 and min(kept) >= 20 and limited["staged"] == 20  # 10 people of the top band [20, 25), 10 towns


def test_sparql_gives_up_on_a_band_that_always_times_out(wikidata_server, tmp_path: Path) -> None:
    wikidata_server.entities.update({f"Q{912000 + i}": item(f"Q{912000 + i}", f"Clone {i}", ["Q5"], sitelinks=3) for i in range(40)})
    wikidata_server.budget = 30  # 40 people with the same sitelink count: no band can be smaller
    client = SparqlClient(wikidata_server.url + "/sparql", http=quick_http())
    with pytest.raises(WikidataError, match="times out even 25 at a time"):
        SparqlImport(tmp_path / "kb.sqlite", client=client, min_sitelinks=0, page_size=100, shipped=["starter"]).run()
    assert wikidata_server.timeouts < 20  # split and narrowed, not retried blindly


def test_cli_kb_build_sparql(wikidata_server, tmp_path: Path, session_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newslink.search.cli import cli

    wikidata_server.entities.update({e["id"]: e for e in SAMPLE})
    monkeypatch.setenv("NEWSLINK_KB", str(tmp_path / "cli-kb.sqlite"))
    monkeypatch.setenv("NEWSLINK_SPARQL_URL", wikidata_server.url + "/sparql")
    monkeypatch.setenv("NEWSLINK_WIKIDATA_PAUSE", "0")
    result = CliRunner().invoke(cli, ["kb", "build", "--sparql", "--min-sitelinks", "0", "--limit", "10", "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["staged"] == 3
    monkeypatch.setenv("NEWSLINK_SPARQL_URL", "http://127.0.0.1:9/sparql")  # nothing listens there
    monkeypatch.setenv("NEWSLINK_WIKIDATA_BACKOFF", "0")
    result = CliRunner().invoke(cli, ["kb", "build", "--sparql", "--restart", "--no-progress"])
    assert result.exit_code == 4 and "rerun to resume" in result.output


# --------------------------------------------------------------------------- online look-ups
def resolver_for(server: FakeWikidata, tmp_path: Path, **kwargs) -> OnlineResolver:
    api = WikidataAPI(server.url + "/w/api.php", http=quick_http())
    return OnlineResolver(api, OnlineCache(tmp_path / "kb.online.sqlite"), **kwargs)


def test_online_lookup_is_type_checked_and_cached(wikidata_server, tmp_path: Path) -> None:
    wikidata_server.entities.update({e["id"]: e for e in SAMPLE})
    resolver = resolver_for(wikidata_server, tmp_path)
    found = resolver.candidates("Rudolf Rassendyll", frozenset({"person"}))
    assert [(c.entity.qid, c.alias_kind) for c in found] == [("Q900302", "label")]
    assert [c.entity.qid for c in resolver.candidates("Rudolf Elphberg")] == ["Q900302"]
    asked = len(wikidata_server.requests)
    assert resolver.candidates("Rudolf Rassendyll")[0].entity.label == "Rudolf Rassendyll"
    assert len(wikidata_server.requests) == asked  # cached: no request
    assert resolver.candidates("The Prisoner of Zenda") == []  # a film is no facet
    assert resolver.candidates("Rudolf") == []  # a prefix match is not a name
    # an unknown class whose parent (P279) is a known one: one more look-up, then cached
    guard = resolver.candidates("Zenda Castle Guard")
    assert guard and guard[0].entity.type == "org"
    assert resolver.cache.class_type("Q900305") == ("org", "armed_group")
    # nobody of that name: remembered too
    assert resolver.candidates("Nobody Atall") == []
    asked = len(wikidata_server.requests)
    assert resolver.candidates("Nobody Atall") == [] and len(wikidata_server.requests) == asked
    assert resolver.cache.stats()["entities"] == 2


def test_online_lookup_respects_its_budget_and_survives_outages(wikidata_server, tmp_path: Path) -> None:
    wikidata_server.entities.update({e["id"]: e for e in SAMPLE})
    resolver = resolver_for(wikidata_server, tmp_path, budget=1)
    assert resolver.candidates("Strelsau")
    assert resolver.candidates("Ruritania") == []  # over budget: cache only
    wikidata_server.fail_next = 100
    down = resolver_for(wikidata_server, tmp_path / "down")
    assert down.candidates("Ruritania") == [] and down.errors == 1
    assert down.cache.lookup("ruritania") is None  # a failure is not cached as "unknown"


def test_linker_uses_online_candidates_and_kb_build_merges_them(wikidata_server, tmp_path: Path, pipeline, session_home: Path) -> None:
    from newslink.indexer.kb.importer import build_starter
    from newslink.indexer.linking import Linker

    wikidata_server.entities.update({e["id"]: e for e in SAMPLE})
    resolver = resolver_for(wikidata_server, tmp_path)
    text = "Rudolf Rassendyll spoke in Strelsau on Monday."
    offline = {l.mention.text: l.qid for l in pipeline.link_text(text)}
    assert offline.get("Rudolf Rassendyll") is None
    linker = Linker(pipeline.kb, online=resolver)
    from newslink.indexer.mentions import extract_mentions

    links = linker.link(extract_mentions(pipeline.nlp(text), pipeline.kb), text)
    got = {l.mention.text: (l.qid, l.method) for l in links}
    assert got["Rudolf Rassendyll"] == ("Q900302", "online")
    # the next `kb build` puts the cached entities into the KB itself
    target = tmp_path / "kb.sqlite"
    assert cache_path(target) == tmp_path / "kb.online.sqlite"
    result = build_starter(target)
    assert kb_entity(target, "Q900302").label == "Rudolf Rassendyll"
    assert json.loads(sqlite3.connect(target).execute("SELECT value FROM meta WHERE key='sources'").fetchone()[0]) == ["starter", "online-cache"]
    assert result["entities"] > 1000


def test_api_errors_are_reported(wikidata_server) -> None:
    api = WikidataAPI(wikidata_server.url + "/w/api.php", http=quick_http())
    with pytest.raises(WikidataError, match="badvalue"):
        api._get({"action": "nonsense"})
    assert api.entities(["Q1"]) == {}  # missing entities are left out


def test_cli_index_online(wikidata_server, tmp_path: Path, session_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newslink.search.cli import cli

    wikidata_server.entities.update({e["id"]: e for e in SAMPLE})
    monkeypatch.setenv("NEWSLINK_WIKIDATA_API", wikidata_server.url + "/w/api.php")
    monkeypatch.setenv("NEWSLINK_WIKIDATA_PAUSE", "0")
    monkeypatch.setenv("NEWSLINK_KB", str(tmp_path / "kb.sqlite"))
    source = tmp_path / "articles.jsonl"
    source.write_text(json.dumps({"id": "a1", "title": "Talks", "text": "Rudolf Rassendyll met officials in Iran on Monday."}) + "\n")
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(cli, ["kb", "build"]).exit_code == 0  # a KB named by NEWSLINK_KB is never built implicitly
    offline = runner.invoke(cli, ["--home", str(home), "index", str(source), "--json", "--no-progress"])
    assert offline.exit_code == 0, offline.output
    assert not wikidata_server.requests  # off by default
    result = runner.invoke(cli, ["--home", str(home), "index", str(source), "--online", "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert wikidata_server.requests  # looked up
    found = runner.invoke(cli, ["--home", str(home), "search", "--person", "Q900302", "--json"])
    assert json.loads(found.stdout)["total"] == 1
    assert OnlineCache(cache_path(tmp_path / "kb.sqlite")).record("Q900302").label == "Rudolf Rassendyll"
