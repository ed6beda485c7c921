"""KB faults: a missing or damaged KB is a clear error with the fix (exit 4), never
a traceback; an interrupted build leaves the previous KB in place."""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from newslink.indexer.kb import KBError, KnowledgeBase
from newslink.indexer.kb.build import build_kb, starter_records
from newslink.indexer.kb.loader import open_kb
from newslink.search.cli import cli


def invoke(home: Path, kb_file: Path | None, *args: str):
    env = {"NEWSLINK_HOME": str(home), "NEWSLINK_KB": str(kb_file) if kb_file else None}
    return CliRunner().invoke(cli, ["--home", str(home), *args], env=env)


def damaged_copies(good: Path, folder: Path) -> dict[str, Path]:
    """The ways a KB file turns up broken in real life."""
    data = good.read_bytes()
    out = {}

    def put(name: str, blob: bytes) -> None:
        out[name] = folder / f"{name}.sqlite"
        out[name].write_bytes(blob)

    put("garbage", os.urandom(8192))
    put("empty", b"")
    put("cut-in-half", data[: len(data) // 2])
    put("header-only", data[:4096])
    middle = bytearray(data)
    for offset in range(len(data) * 6 // 10, len(data) - 4096, 4096):  # pages past the entities table: names, ranked candidates
        middle[offset + 100 : offset + 4000] = os.urandom(3900)
    put("scribbled-pages", bytes(middle))
    other = folder / "other-app.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (x TEXT)")
    out["another-apps-db"] = other
    no_aliases = folder / "no-aliases.sqlite"
    shutil.copy(good, no_aliases)
    with sqlite3.connect(no_aliases) as db:
        db.execute("DROP TABLE aliases")
    out["no-aliases-table"] = no_aliases
    (folder / "a-folder.sqlite").mkdir()
    out["a-folder"] = folder / "a-folder.sqlite"
    return out


@pytest.mark.parametrize("command", [["search", "iran"], ["entity", "Iran"], ["kb", "stats"], ["index", "{corpus}"]])
def test_missing_kb_is_a_clear_error_with_the_fix(tmp_path: Path, command: list[str]) -> None:
    corpus = tmp_path / "a.jsonl"
    corpus.write_text('{"id": "a", "title": "Iran", "text": "Iran"}\n')
    result = invoke(tmp_path / "home", tmp_path / "nowhere" / "kb.sqlite", *[c.format(corpus=corpus) for c in command])
    assert result.exit_code == 4, result.output
    assert "no knowledge base at" in result.stderr and "newslink kb build" in result.stderr
    assert not (tmp_path / "nowhere").exists()  # nothing built behind the user's back


def test_every_kind_of_damaged_kb_is_exit_4_with_the_fix(tmp_path: Path, kb) -> None:
    corpus = tmp_path / "a.jsonl"
    corpus.write_text('{"id": "a", "title": "Iran and Germany", "text": "Iran met Germany."}\n')
    for name, path in damaged_copies(Path(kb.path), tmp_path).items():
        for command in (["index", str(corpus), "--no-progress"], ["search", "iran", "--country", "Iran"], ["kb", "lookup", "Iran"]):
            result = invoke(tmp_path / f"home-{name}", path, *command)
            assert result.exit_code == 4, (name, command, result.output, result.exception)
            assert "newslink kb build" in result.stderr, (name, result.stderr)
            assert "Traceback" not in result.output


def test_kb_damaged_after_it_was_opened_raises_kberror_not_sqlite(tmp_path: Path, kb) -> None:
    copy = tmp_path / "kb.sqlite"
    shutil.copy(kb.path, copy)
    opened = KnowledgeBase(copy)
    broken = tmp_path / "broken.sqlite"
    with sqlite3.connect(broken) as db:
        db.execute("CREATE TABLE entities (qid TEXT)")
    opened._db.close()
    opened._db = sqlite3.connect(broken)  # what the open connection sees once the file is damaged
    for call in (lambda: opened.candidates("Tehran"), lambda: opened.entity("Q1"), lambda: list(opened.iter_aliases()), opened.stats, lambda: opened.complete("Ira")):
        with pytest.raises(KBError, match="newslink kb build"):
            call()


def test_a_damaged_kb_is_not_rebuilt_behind_the_users_back(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NEWSLINK_KB", raising=False)
    monkeypatch.setenv("NEWSLINK_HOME", str(tmp_path))
    (tmp_path / "kb.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(KBError, match="newslink kb build"):
        open_kb()
    assert (tmp_path / "kb.sqlite").read_bytes().startswith(b"not a database")


def test_default_kb_is_built_on_first_use_and_an_unwritable_place_is_exit_4(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NEWSLINK_KB", raising=False)
    monkeypatch.setenv("NEWSLINK_HOME", str(tmp_path / "fresh"))
    opened = open_kb()  # a fresh install works offline
    assert opened.stats()["entities"] > 0
    opened.close()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    # A data directory that cannot be made is bad usage, said before any command runs (issue 21.12) ...
    result = CliRunner().invoke(cli, ["kb", "stats"], env={"NEWSLINK_HOME": str(blocker / "home"), "NEWSLINK_KB": None})
    assert result.exit_code == 2, result.output
    assert "--home" in result.output and "Traceback" not in result.output
    # ... and a KB that cannot be built in a usable one is exit 4 with the fix.
    home = tmp_path / "home"
    (home / "kb.sqlite").mkdir(parents=True)
    result = CliRunner().invoke(cli, ["kb", "stats"], env={"NEWSLINK_HOME": str(home), "NEWSLINK_KB": None})
    assert result.exit_code == 4, result.output
    assert "newslink kb build" in result.stderr


def test_kb_in_a_folder_whose_name_has_uri_characters(tmp_path: Path, kb) -> None:
    odd = tmp_path / "news#1?draft%20"
    odd.mkdir()
    shutil.copy(kb.path, odd / "kb.sqlite")
    before = set(tmp_path.rglob("*"))
    opened = KnowledgeBase(odd / "kb.sqlite")
    assert opened.resolve("Iran").qid == "Q794"
    opened.close()
    assert set(tmp_path.rglob("*")) == before  # no stray file created at a cut-short path


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("error", [Interrupted, KeyboardInterrupt])
def test_interrupted_build_leaves_the_previous_kb_in_place(tmp_path: Path, error: type[BaseException]) -> None:
    target = tmp_path / "kb.sqlite"
    build_kb(target, starter_records(), sources=["starter"])
    before = KnowledgeBase(target)
    stats, version = before.stats(), before.version
    reader_answer = before.resolve("Iran").qid  # a reader that stays open through the failed build

    def records():
        for n, rec in enumerate(starter_records()):
            if n == 300:
                raise error("the source went away half-way")
            yield rec

    with pytest.raises(error):
        build_kb(target, records(), sources=["starter", "wikidata"])
    after = KnowledgeBase(target)
    assert after.stats() == stats and after.version == version
    assert before.resolve("Iran").qid == reader_answer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.sqlite"]  # no temp file left behind
    before.close()
    after.close()


def test_a_rebuild_does_not_disturb_a_reader_that_has_the_kb_open(tmp_path: Path) -> None:
    target = tmp_path / "kb.sqlite"
    build_kb(target, starter_records(), sources=["starter"])
    reader = KnowledgeBase(target)
    build_kb(target, (r for r in starter_records() if r.type == "country"), sources=["starter"])
    assert reader.resolve("Iran").qid == "Q794"  # the old file, still whole, until reopened
    assert KnowledgeBase(target).stats()["by_type"]["person"] == 0
    reader.close()


def test_a_build_killed_with_sigkill_leaves_the_kb_and_the_next_build_removes_its_temp_file(tmp_path: Path) -> None:
    """SIGKILL runs no cleanup: the killed build's temp file stays until the next build removes it."""
    import signal
    import subprocess
    import sys

    target = tmp_path / "kb.sqlite"
    build_kb(target, starter_records(), sources=["starter"])
    version = KnowledgeBase(target).version
    code = (
        "import os, signal, sys\n"
        "from newslink.indexer.kb.build import build_kb, starter_records\n"
        "def records():\n"
        "    for n, rec in enumerate(starter_records()):\n"
        "        if n == 300:\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "        yield rec\n"
        "build_kb(sys.argv[1], records(), sources=['starter'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    left = list(tmp_path.glob(".kb-*.sqlite.tmp"))
    assert len(left) == 1 and KnowledgeBase(target).version == version  # the live KB untouched
    running = tmp_path / f".kb-{os.getpid()}-other.sqlite.tmp"  # a build of a live process: not ours to delete
    running.write_bytes(b"")
    build_kb(target, starter_records(), sources=["starter"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["kb.sqlite", running.name])
