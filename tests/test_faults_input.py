"""Bad input never costs good input, end to end: readers -> spaCy -> linker -> tantivy,
and the `newslink index --errors FILE` dead letter is complete and re-feedable."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from newslink.indexer.pipeline import run_index
from newslink.indexer.readers import read_paths
from newslink.search.cli import cli
from newslink.search.engines.embedded import EmbeddedEngine

from test_properties_readers import _binary, _encode, jsonl_case


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=jsonl_case())
def test_every_good_record_ends_up_in_the_index(tmp_path_factory, pipeline, case) -> None:
    lines, encoding, ensure_ascii, newline, gz = case
    data, expected = _encode(lines, encoding, ensure_ascii, newline)
    folder = tmp_path_factory.mktemp("e2e")
    path = folder / ("in.jsonl.gz" if gz else "in.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    good = [v for k, v in expected.values() if k == "good"]
    bad = [v for k, v in expected.values() if k == "bad"]

    engine = EmbeddedEngine(folder / "home")
    try:
        summary = run_index(read_paths([path]), pipeline, engine, write_batch=4, commit_every=8)
        if _binary(data):  # rejected as a whole, one error (test_properties_readers states the rule)
            good = []
        assert summary.indexed == len(good)
        assert sum(p.fatal for p in summary.problems) == (1 if _binary(data) else len(bad))
        assert engine.count() == len(good)
        for record in good:
            doc = engine.get(record["id"])
            assert doc is not None
            if encoding != "latin-1":
                assert doc["title"] == record["title"].strip()
    finally:
        engine.close()


@pytest.fixture()
def run(tmp_path: Path, session_home: Path):
    runner = CliRunner()
    home = tmp_path / "home"
    kb_file = session_home / "kb.sqlite"

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(cli, ["--home", str(home), *args], env={"NEWSLINK_KB": str(kb_file)}, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_dead_letter_is_complete_and_refeeds_after_fixing(run, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    huge = "Iran " * 2_500_000  # 12.5 MB of text: a rejected record is kept whole, not cut
    (src / "a.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"id": "ok-1", "title": "Iran talks", "text": "Iran and Germany met."}),
                '{"id": "broken", "title": "Cut off',
                json.dumps({"id": "typed", "title": {"en": "Wrong type"}, "text": "body"}),
                json.dumps({"id": "empty", "source": "DW"}),
                json.dumps({"id": "huge", "title": ["no"], "text": huge}),
                json.dumps(["not", "an", "object"]),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (src / "b.csv").write_text("id,title,text\nc-ok,Yemen,War in Yemen\nc-short,Only two\n", encoding="utf-8")
    (src / "c.txt").write_bytes(b"")
    dead = src / "dead.jsonl"  # inside the input folder on purpose: it must not be read as input
    result = run("index", str(src), "--json", "--errors", str(dead))
    summary = json.loads(result.stdout)
    assert summary["indexed"] == 2 and summary["skipped"] == 7

    entries = [json.loads(line) for line in dead.read_text(encoding="utf-8").split("\n") if line]
    where = sorted((Path(e["path"]).name, e["line"]) for e in entries)
    assert where == [("a.jsonl", 2), ("a.jsonl", 3), ("a.jsonl", 4), ("a.jsonl", 5), ("a.jsonl", 6), ("b.csv", 3), ("c.txt", None)]
    by_line = {(Path(e["path"]).name, e["line"]): e for e in entries}
    assert by_line[("a.jsonl", 5)]["record"]["text"] == huge  # complete, not truncated
    assert by_line[("a.jsonl", 2)]["record"] == '{"id": "broken", "title": "Cut off\n'
    assert by_line[("b.csv", 3)]["record"] == "c-short,Only two\n" and by_line[("b.csv", 3)]["header"] == ["id", "title", "text"]
    assert by_line[("c.txt", None)]["record"] is None
    for line in by_line:  # every reported error is in the dead letter, and only those
        assert f"{line[0]}:{line[1]}: error:" in result.stderr if line[1] else f"{line[0]}: error:" in result.stderr
    assert result.stderr.count(": error:") == 7

    # Fix what can be fixed, the way a user would, and feed the dead letter back.
    by_line[("a.jsonl", 2)]["record"] = '{"id": "broken", "title": "Cut off", "text": "Iran again"}'
    by_line[("a.jsonl", 3)]["record"]["title"] = "Right type"
    by_line[("a.jsonl", 4)]["record"].update(title="Now titled", text="In Germany")
    # (the huge one stays wrong: it goes back into the new dead letter, whole)
    by_line[("b.csv", 3)]["record"] = "c-short,Only two,now three\n"
    dead.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in by_line.values()), encoding="utf-8")
    dead2 = tmp_path / "dead2.jsonl"
    result = run("index", str(dead), "--json", "--errors", str(dead2))
    summary = json.loads(result.stdout)
    assert summary["indexed"] == 4 and summary["skipped"] == 3
    still = [json.loads(line) for line in dead2.read_text(encoding="utf-8").split("\n") if line]
    assert sorted((e["origin"]["path"].rsplit("/", 1)[-1], e["origin"]["line"]) for e in still) == [("a.jsonl", 5), ("a.jsonl", 6), ("c.txt", None)]
    assert next(e for e in still if e["origin"]["line"] == 5)["record"]["text"] == huge
    assert all(e["path"] == str(dead) for e in still)  # where to fix it now
    status = json.loads(run("status", "--json").stdout)
    assert status["index"]["documents"] == 6
    res = json.loads(run("search", "Right type", "--json").stdout)
    assert [h["id"] for h in res["hits"]] == ["typed"]


def test_errors_file_that_cannot_be_written_is_a_usage_error(run, tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "a", "title": "A", "text": "a"}) + "\n")
    result = run("index", str(tmp_path / "a.jsonl"), "--errors", str(tmp_path / "no" / "such" / "dir" / "e.jsonl"), code=2)
    assert "errors file" in result.stderr or "Error" in result.output


def test_documents_the_engine_rejects_are_in_the_dead_letter_and_refeed(tmp_path: Path, pipeline) -> None:
    """A rejection by the engine (a mapping conflict on Elasticsearch, say) is a rejected record too."""
    from newslink.indexer.records import Problem

    class PickySink:
        def __init__(self) -> None:
            self.docs: dict[str, dict] = {}

        def write(self, docs):
            ok = [d for d in docs if "reject" not in d["id"]]
            self.docs.update((d["id"], d) for d in ok)
            return [(d["id"], "mapper_parsing_exception: simulated") for d in docs if d not in ok]

        def commit(self) -> None:
            pass

    src = tmp_path / "a.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": "keep", "title": "Iran", "text": "Iran talks"},
        {"id": "reject-me", "title": "Yemen", "text": "Yemen war", "published": "2024-03-01", "source": "DW", "url": "http://x/1", "category": "world"},
    ]))
    problems: list[Problem] = []
    sink = PickySink()
    summary = run_index(read_paths([src]), pipeline, sink, on_problem=problems.append)
    assert summary.indexed == 1 and [p.fatal for p in problems] == [True]
    dead = tmp_path / "dead.jsonl"
    dead.write_text(problems[0].dead_letter_line())
    entry = json.loads(dead.read_text())
    assert entry["record"]["title"] == "Yemen" and entry["record"]["category"] == "world"
    entry["record"]["id"] = "fixed"  # whatever the fix is, the record goes back in whole
    dead.write_text(json.dumps(entry) + "\n")
    [(article, probs)] = list(read_paths([dead]))
    assert probs == [] and (article.title, article.published, article.source, article.url, article.meta) == ("Yemen", "2024-03-01T00:00:00", "DW", "http://x/1", {"category": "world"})


def test_dates_the_engine_cannot_hold_keep_their_article_with_a_warning(tmp_path: Path, pipeline) -> None:
    """Years 1000-1677 and 2262-9999 parse, but tantivy cannot store them: the reader
    drops the date at file:line and the article is indexed, never rejected at the engine."""
    values = ["1500-01-01", "1677-06-01T00:00:00Z", "2262-05-01", "9999-12-31", 1e10, "9999-12-31T23:00:00-05:00", "2024-03-01"]
    src = tmp_path / "dates.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "title": "Iran", "text": "Iran talks", "published": v}) + "\n" for i, v in enumerate(values)))
    engine = EmbeddedEngine(tmp_path / "home")
    try:
        summary = run_index(read_paths([src]), pipeline, engine)
        assert summary.indexed == len(values) and summary.skipped == 0
        assert engine.count() == len(values)
        warned = sorted(p.line for p in summary.problems if not p.fatal and "date" in p.message and p.path == str(src))
        assert warned == [1, 2, 3, 4, 5, 6]
        assert engine.get("d0")["published"] is None and engine.get("d6")["published"] == "2024-03-01T00:00:00"
    finally:
        engine.close()


def test_an_engine_rejection_names_the_file_line_and_origin_of_the_record(tmp_path: Path, pipeline) -> None:
    """Found at the engine or not, a record's problem names where it came from, and a
    re-fed record keeps the origin of its first rejection (issue 21, items 2 and 12)."""

    class RefusesLongIds:
        def write(self, docs):
            return [(d["id"], "illegal_argument_exception: id is too long") for d in docs if len(d["id"]) > 10]

        def commit(self) -> None:
            pass

    src = tmp_path / "a.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in [{"id": "short", "title": "Iran", "text": "x"}, {"id": "a-rather-long-id", "title": "Yemen", "text": "y"}]))
    summary = run_index(read_paths([src]), pipeline, RefusesLongIds())
    [problem] = [p for p in summary.problems if p.fatal]
    assert (problem.path, problem.line) == (str(src), 2) and "a-rather-long-id" in problem.message

    dead = tmp_path / "dead.jsonl"
    dead.write_text(problem.dead_letter_line())
    summary = run_index(read_paths([dead]), pipeline, RefusesLongIds())
    [again] = [p for p in summary.problems if p.fatal]
    assert (again.path, again.line) == (str(dead), 1)
    assert json.loads(again.dead_letter_line())["origin"] == {"path": str(src), "line": 2}
