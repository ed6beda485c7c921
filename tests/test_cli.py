"""The `newslink` command end to end on the embedded engine (real spaCy, real tantivy)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newslink.search.cli import cli

from conftest import DATA, REPO

SEED_QIDS = {"Q6279", "Q43723", "Q794", "Q801", "Q30", "Q805", "Q796", "Q810"}


@pytest.fixture()
def run(tmp_path: Path, session_home: Path):
    """Invoke the CLI with a private index (the KB is the session's)."""
    runner = CliRunner()
    home = tmp_path / "home"
    kb_file = session_home / "kb.sqlite"

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, ["--home", str(home), *args], env={"NEWSLINK_KB": str(kb_file)}, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def test_readme_flow_on_the_seed_article(run, kb) -> None:
    out = run("index", "--json", str(REPO / "examples"))
    summary = json.loads(out.stdout)
    assert summary["indexed"] == 1 and summary["skipped"] == 0
    res = json.loads(run("search", "iran", "--json").stdout)
    assert res["total"] == 1
    facet_qids = {b["qid"] for buckets in res["facets"].values() for b in buckets}
    assert SEED_QIDS <= facet_qids
    text = (REPO / "examples" / "000_0bbcda579d155b64.txt").read_text()
    unlinked = {b["qid"]: b for buckets in res["facets"].values() for b in buckets if b["unlinked"]}
    for qid in facet_qids - set(unlinked):  # nothing faceted that the article does not name
        ent = kb.entity(qid)
        names = [ent.label, *ent.aliases, ent.label.split()[-1]]
        assert any(n in text for n in names), (qid, ent.label)
    for key, bucket in unlinked.items():  # an unlinked name is a name of the article, unknown to the KB
        assert bucket["label"] in text and kb.entity(key) is None, bucket
    labels = {b["qid"]: b["label"] for buckets in res["facets"].values() for b in buckets}
    assert labels["Q6279"] == "Joe Biden"


def test_index_twice_keeps_the_same_count(run) -> None:
    run("index", str(DATA / "articles.jsonl"))
    run("index", str(DATA / "articles.jsonl"))
    status = json.loads(run("status", "--json").stdout)
    assert status["index"]["documents"] == 6


def test_search_filters_by_name_and_facets_command(run) -> None:
    run("index", str(DATA / "articles.jsonl"))
    res = json.loads(run("search", "--person", "Netanyahu", "--country", "Q794", "--json").stdout)
    assert {h["id"] for h in res["hits"]} == {"t-1", "t-2"}
    facets = json.loads(run("facets", "--json").stdout)
    assert facets["total"] == 6
    top_country = facets["facets"]["country"][0]
    assert top_country["count"] >= 4
    human = run("search", "drones", "--country", "Iran").stdout
    assert "articles" in human and "Iran" in human


def test_bad_input_is_reported_and_the_rest_indexed(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "title": "Iran talks", "text": "Iran and Israel"}\n{broken\n{"id": "b", "title": "Yemen", "text": "Yemen war", "published": "not-a-date"}\n')
    dead = tmp_path / "dead.jsonl"
    result = run("index", str(bad), "--json", "--errors", str(dead))
    summary = json.loads(result.stdout)
    assert summary["indexed"] == 2 and summary["skipped"] == 1 and summary["warnings"] == 1
    assert f"{bad}:2: error: malformed JSON" in result.stderr
    assert f"{bad}:3: warning: bad date" in result.stderr
    rejected = [json.loads(l) for l in dead.read_text().splitlines()]
    assert [(r["line"], r["record"]) for r in rejected] == [(2, "{broken\n")]


def test_nothing_indexable_exits_nonzero(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{broken\n")
    result = run("index", str(bad), ok=False)
    assert result.exit_code == 1 and "nothing could be indexed" in result.stderr


def test_bad_query_exits_2_with_the_parameter(run) -> None:
    run("index", str(DATA / "articles.jsonl"))
    result = run("search", "iran", "--since", "someday", ok=False)
    assert result.exit_code == 2 and "since" in result.stderr
    result = run("search", "--person", "Nobody Atall Zzz", ok=False)
    assert result.exit_code == 2 and "person" in result.stderr


def test_entity_and_kb_commands(run) -> None:
    run("index", str(DATA / "articles.jsonl"))
    ent = json.loads(run("entity", "Q794", "--json").stdout)
    assert ent["label"] == "Iran" and ent["articles"] == 4
    look = json.loads(run("kb", "lookup", "Georgia", "--json").stdout)
    assert {e["qid"] for e in look} >= {"Q230"}
    stats = json.loads(run("kb", "stats", "--json").stdout)
    assert stats["by_type"]["country"] >= 190


def test_reindex_swaps_generation_and_keeps_results(run) -> None:
    run("index", str(DATA / "articles.jsonl"))
    before = json.loads(run("search", "iran", "--json").stdout)
    old_gen = json.loads(run("status", "--json").stdout)["index"]["generation"]
    out = json.loads(run("reindex", "--json").stdout)
    assert out["indexed"] == 6 and out["changed"] == 0
    status = json.loads(run("status", "--json").stdout)["index"]
    assert status["generation"] != old_gen and status["documents"] == 6
    assert not (Path(status["path"]).parent / old_gen).exists()
    after = json.loads(run("search", "iran", "--json").stdout)
    assert [h["id"] for h in after["hits"]] == [h["id"] for h in before["hits"]]
    assert after["facets"] == before["facets"]


def test_histogram_bar_chart_and_json(run, kb) -> None:
    run("index", str(DATA / "articles.jsonl"))
    data = json.loads(run("search", "--histogram", "month", "--size", "0", "--json").stdout)
    buckets = data["histogram"]["buckets"]
    assert data["histogram"]["interval"] == "month" and sum(b["count"] for b in buckets) == data["total"]
    chart = run("search", "--histogram", "month", "--size", "0", "--facet-size", "0").stdout
    assert "published per month" in chart
    rows = {line.split()[0]: line for line in chart.splitlines() if line[:1] in " *" and line[1:5].isdigit()}
    assert list(rows) == [b["label"] for b in buckets]  # one row per month, empty ones too
    top = max(buckets, key=lambda b: b["count"])
    assert rows[top["label"]].count("█") > 0 and all("█" not in rows[b["label"]] for b in buckets if not b["count"])
    auto = json.loads(run("search", "--histogram", "--size", "0", "--json").stdout)
    assert auto["histogram"]["interval"] in ("day", "week", "month", "year")
    bad = run("search", "--histogram", "fortnight", ok=False)
    assert bad.exit_code == 2


def test_related_table_json_and_unknown_entity(run, kb) -> None:
    run("index", str(DATA / "articles.jsonl"))
    data = json.loads(run("related", "Netanyahu", "--min-count", "1", "--json").stdout)
    assert data["entity"]["type"] == "person" and data["articles"] >= 1
    listed = [r for rows in data["related"].values() for r in rows]
    assert listed and all(r["count"] <= r["background"] and r["lift"] > 1 for r in listed)
    table = run("related", data["entity"]["qid"], "--min-count", "1").stdout
    assert f"({data['entity']['qid']}): " in table and all(f"({r['qid']})" in table for r in listed)
    narrowed = json.loads(run("related", "Netanyahu", "drones", "--min-count", "1", "--json").stdout)
    assert narrowed["background"] < data["background"]
    missing = run("related", "Nobody Atlantisovich", ok=False)
    assert missing.exit_code == 1 and "no entity" in missing.stderr


def test_search_all_exports_every_match(run, kb) -> None:
    import csv
    import io

    run("index", str(DATA / "articles.jsonl"))
    total = json.loads(run("search", "--country", "Iran", "--json").stdout)["total"]
    out = run("search", "--country", "Iran", "--all")
    ids = [json.loads(line)["id"] for line in out.stdout.splitlines()]
    assert len(ids) == total == len(set(ids)) and ids == sorted(ids)
    assert out.stderr == ""  # no progress bar in a pipe
    rows = list(csv.DictReader(io.StringIO(run("search", "--country", "Iran", "--all", "--format", "csv").stdout)))
    assert [r["id"] for r in rows] == ids and all("Q794" in r["country_qids"].split("; ") for r in rows)
    assert all(r["country"].split("; ")[r["country_qids"].split("; ").index("Q794")] == "Iran" for r in rows)
    assert run("search", "--format", "csv", ok=False).exit_code == 2
    assert run("search", "--all", "--json", ok=False).exit_code == 2
