"""Command-line inputs from an attack on `newslink` (issue 21, items 1, 10, 11, 12):
each one used to destroy data, write outside the data directory, start a job it
could not run, or end in a traceback."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from newslink.indexer.processes import available_cpus
from newslink.search.cli import cli

from conftest import REPO


@pytest.fixture()
def run(tmp_path: Path, session_home: Path, kb):
    runner = CliRunner()
    home = tmp_path / "home"
    kb_file = session_home / "kb.sqlite"

    def invoke(*args: str, code: int = 0, env: dict | None = None):
        result = runner.invoke(cli, ["--home", str(home), *args], env={"NEWSLINK_KB": str(kb_file), **(env or {})}, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_errors_file_that_is_an_input_is_refused_and_left_whole(run, tmp_path: Path) -> None:
    dead = tmp_path / "rejected.jsonl"
    entry = {"newslink_dead_letter": 1, "path": "a.jsonl", "line": 3, "error": "no title and no text", "record": {"id": "x"}}
    dead.write_text(json.dumps(entry) + "\n")
    before = dead.read_bytes()
    result = run("index", str(dead), "--errors", str(dead), code=2)
    assert "also an input" in result.stderr
    assert dead.read_bytes() == before

    examples = tmp_path / "examples"
    shutil.copytree(REPO / "examples", examples)
    article = next(examples.glob("*.txt"))
    text = article.read_bytes()
    result = run("index", str(examples), "--errors", str(article), code=2)  # an input inside a folder
    assert "also an input" in result.stderr and article.read_bytes() == text


def test_errors_file_is_written_beside_and_renamed_into_place(run, tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "ok", "title": "Iran", "text": "Iran talks"}) + "\n" + json.dumps({"id": "bad"}) + "\n")
    dead = tmp_path / "dead.jsonl"
    dead.write_text("an older dead letter\n")
    run("index", str(src), "--errors", str(dead))
    [entry] = [json.loads(line) for line in dead.read_text().splitlines()]
    assert entry["line"] == 2 and entry["record"] == {"id": "bad"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no partial file left


@pytest.mark.parametrize("args", [("--index", "../../etc"), ("--index", "Articles"), ("--index", "a/b"), ("--index", "..")])
def test_index_names_that_would_leave_the_data_directory_are_refused(run, tmp_path: Path, args) -> None:
    result = run(*args, "status", code=2)
    assert "index name" in result.output
    assert not (tmp_path / "etc").exists() and not (tmp_path / "home" / "indexes").exists()


def test_index_name_from_the_environment_is_checked_too(run, tmp_path: Path) -> None:
    result = run("status", code=2, env={"NEWSLINK_INDEX": "../../outside"})
    assert "index name" in result.output and not (tmp_path / "outside").exists()


def test_engines_refuse_a_bad_index_name_whoever_opens_them(tmp_path: Path) -> None:
    from newslink.search.engines import EngineError, open_engine

    with pytest.raises(EngineError, match="index name"):
        open_engine("embedded", home=tmp_path, index="../escape")
    assert not (tmp_path.parent / "escape").exists()


def test_workers_are_bounded_by_the_cpus_and_sizes_validated(run, tmp_path: Path) -> None:
    from newslink.search.cli import OVERSUBSCRIBE

    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "ok", "title": "Iran", "text": "Iran talks"}) + "\n")
    result = run("index", str(src), "--workers", "64", "--json")
    assert json.loads(result.stdout)["workers"] <= OVERSUBSCRIBE * available_cpus()
    assert f"using {OVERSUBSCRIBE * available_cpus()}" in result.stderr
    for bad in (("--batch-size", "0"), ("--batch-size", "-5"), ("--workers", "0")):
        result = run("index", str(src), *bad, code=2)
        assert bad[0] in result.output


@pytest.mark.parametrize("home", ["/dev/null", "/proc/1", "file"])
def test_a_home_that_cannot_be_used_is_a_usage_error(tmp_path: Path, home: str) -> None:
    if home == "file":
        home = str(tmp_path / "a-file")
        Path(home).write_text("x")
    elif not os.path.exists(home) or (os.path.isdir(home) and os.access(home, os.W_OK)):
        pytest.skip(f"{home} is a usable folder on this system")
    result = CliRunner().invoke(cli, ["--home", home, "status"])
    assert result.exit_code == 2, result.output
    assert "--home" in result.output and "Traceback" not in result.output
