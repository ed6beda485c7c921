"""Crash safety and concurrent use of the embedded engine, with the real command.

One `newslink index` job runs as a subprocess on a generated corpus. While it
runs: a second index job and a reindex are refused ("locked by PID …", exit 3)
and searches through the CLI and the API keep answering. Once a commit has
landed (polled, with a deadline) it is killed with SIGKILL. Then the index opens,
what was committed is intact and searchable, the stale PID file does not block,
and rerunning the same command completes the job with no duplicates.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newslink.search.cli import cli
from newslink.indexer.processes import pid_alive
from newslink.search.engines.embedded import EmbeddedEngine
from newslink.search.query import SearchQuery

NAMES = ["Iran", "Germany", "Joe Biden", "Israel", "Yemen", "NATO", "Ukraine", "Russia", "China", "France"]
CORPUS = 900  # commits land every 256 (one write batch): several commits before the end
DEADLINE = 90.0


def write_corpus(path: Path, n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        a, b = rng.sample(NAMES, 2)
        records.append({"id": f"gen-{i:05d}", "title": f"{a} and {b} talk {i}", "text": f"{a} met {b} on day {i}.", "published": "2024-01-02"})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records


def wait_for(predicate, what: str, timeout: float = DEADLINE, proc: subprocess.Popen | None = None):
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the job ended (exit {proc.returncode}) before {what}")
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def newslink(home: Path, kb_file: Path, *args: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, NEWSLINK_HOME=str(home), NEWSLINK_KB=str(kb_file), NO_COLOR="1")
    return subprocess.Popen(
        [sys.executable, "-m", "newslink.search.cli", *args],
        env=env,
        stdout=open(log.with_suffix(".out"), "w"),
        stderr=open(log.with_suffix(".err"), "w"),
        start_new_session=True,  # its own process group: the kill reaches spaCy workers too
    )


def all_ids(engine: EmbeddedEngine) -> list[str]:
    return [d["id"] for d in engine.iter_documents()]


@pytest.fixture(scope="module")
def killed_job(tmp_path_factory: pytest.TempPathFactory, kb):
    """Run the scenario once; record what was seen for the tests below."""
    from fastapi.testclient import TestClient

    from newslink.indexer.kb import KnowledgeBase
    from newslink.search.api import create_app

    base = tmp_path_factory.mktemp("crash")
    home, corpus = base / "home", base / "corpus.jsonl"
    records = write_corpus(corpus, CORPUS)
    kb_file = Path(kb.path)
    command = ["index", str(corpus), "--workers", "1", "--commit-every", "100", "--no-progress", "--json"]
    seen: dict = {"records": records, "home": home, "command": command, "kb_file": kb_file, "base": base}

    proc = newslink(home, kb_file, *command, log=base / "job1")
    seen["pid"] = proc.pid
    try:
        live = home / "indexes" / "articles" / "live.json"
        wait_for(live.exists, "the job to create its index", proc=proc)
        view = EmbeddedEngine(home)
        pid_file = view.path / "newslink-writer.pid"
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() == str(proc.pid), "the job to take the writer lock", proc=proc)

        runner = CliRunner()
        env = {"NEWSLINK_HOME": str(home), "NEWSLINK_KB": str(kb_file)}
        second = runner.invoke(cli, ["index", str(corpus), "--no-progress"], env=env)
        seen["second"] = (second.exit_code, second.stderr)
        reindex = runner.invoke(cli, ["reindex", "--no-progress"], env=env)
        seen["reindex"] = (reindex.exit_code, reindex.stderr)

        # Searches keep answering while the job writes: CLI and API, bounded loop.
        api_engine, api_kb = EmbeddedEngine(home), KnowledgeBase(kb_file)
        cli_totals, api_totals = [], []
        with TestClient(create_app(api_engine, api_kb), raise_server_exceptions=False) as client:
            deadline = time.monotonic() + DEADLINE
            for _ in range(400):
                if view.count() >= 256 or proc.poll() is not None or time.monotonic() > deadline:
                    break
                res = runner.invoke(cli, ["search", "Iran", "--json", "--size", "1"], env=env)
                cli_totals.append(json.loads(res.stdout)["total"] if res.exit_code == 0 else ("exit", res.exit_code, res.output))
                resp = client.get("/search", params={"q": "Iran", "size": 1})
                api_totals.append(resp.json()["total"] if resp.status_code == 200 else ("http", resp.status_code, resp.text))
            wait_for(lambda: view.count() >= 256, "a first commit", proc=proc)
            if proc.poll() is not None:
                pytest.fail("the job finished before it could be killed: make CORPUS larger")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            res = client.get("/search", params={"q": "Iran", "size": 1})  # the API survives the writer's death
            seen["api_after_kill"] = res.status_code
        api_engine.close()
        api_kb.close()
        seen["cli_totals"], seen["api_totals"] = cli_totals, api_totals
        seen["killed_with"] = proc.returncode

        # Right after the kill: what is on disk.
        seen["stale_pid_file"] = pid_file.read_text().strip() if pid_file.exists() else None
        after = EmbeddedEngine(home)
        seen["count_after_kill"] = after.count()
        seen["ids_after_kill"] = all_ids(after)
        seen["docs_after_kill"] = {i: after.get(i) for i in seen["ids_after_kill"]}
        seen["search_after_kill"] = after.search(SearchQuery(text="Iran", size=0)).total
        after.close()
        view.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return seen


def test_a_second_index_job_is_refused_with_the_holders_pid(killed_job) -> None:
    code, stderr = killed_job["second"]
    assert code == 3, stderr
    assert f"is locked by PID {killed_job['pid']}" in stderr


def test_a_reindex_is_refused_while_an_index_job_writes(killed_job) -> None:
    code, stderr = killed_job["reindex"]
    assert code == 3, stderr
    assert f"is locked by PID {killed_job['pid']}" in stderr


def test_searches_keep_answering_while_the_job_writes(killed_job) -> None:
    cli_totals, api_totals = killed_job["cli_totals"], killed_job["api_totals"]
    assert cli_totals and api_totals
    assert all(isinstance(t, int) for t in cli_totals), cli_totals
    assert all(isinstance(t, int) for t in api_totals), api_totals
    assert cli_totals == sorted(cli_totals) and api_totals == sorted(api_totals)  # commits only add
    assert killed_job["api_after_kill"] == 200


def test_after_sigkill_what_was_committed_is_intact_and_searchable(killed_job) -> None:
    assert killed_job["killed_with"] == -signal.SIGKILL
    count, ids = killed_job["count_after_kill"], killed_job["ids_after_kill"]
    assert 256 <= count < CORPUS
    assert len(ids) == count == len(set(ids))  # no duplicates, nothing half-written
    source = {r["id"]: r for r in killed_job["records"]}
    for doc_id, doc in killed_job["docs_after_kill"].items():
        assert doc is not None and doc["title"] == source[doc_id]["title"] and doc["text"] == source[doc_id]["text"]
    iran = sum(1 for i in ids if "Iran" in source[i]["title"] + source[i]["text"])
    assert killed_job["search_after_kill"] == iran > 0


def test_rerun_completes_with_no_duplicates_despite_the_stale_lock(killed_job) -> None:
    pid = killed_job["pid"]
    assert killed_job["stale_pid_file"] == str(pid) and not pid_alive(pid)  # left behind by the kill
    proc = newslink(killed_job["home"], killed_job["kb_file"], *killed_job["command"], log=killed_job["base"] / "rerun")
    try:
        assert proc.wait(timeout=DEADLINE) == 0, (killed_job["base"] / "rerun.err").read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    summary = json.loads((killed_job["base"] / "rerun.out").read_text())
    # what the killed job committed is skipped unparsed; the rest is indexed now
    assert summary["unchanged"] == killed_job["count_after_kill"] and summary["changed"] == 0
    assert summary["new"] == summary["indexed"] == CORPUS - killed_job["count_after_kill"]
    assert summary["index"]["documents"] == CORPUS
    engine = EmbeddedEngine(killed_job["home"])
    try:
        ids = all_ids(engine)
        assert len(ids) == len(set(ids)) == CORPUS
        assert not (engine.path / "newslink-writer.pid").exists()
    finally:
        engine.close()


# --------------------------------------------------------------------------- smaller, deterministic checks
def _docs(n: int, prefix: str = "d") -> list[dict]:
    return [{"id": f"{prefix}{i}", "title": f"Iran report {i}", "text": "Tehran said so.", "entities": {}, "published": "2024-01-02T00:00:00"} for i in range(n)]


def test_a_stale_pid_file_of_a_dead_process_never_blocks(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path)
    engine.write(_docs(3))
    engine.commit()
    engine.close()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    (engine.path / "newslink-writer.pid").write_text(str(child.pid))  # a job that died holding it
    (engine.path / ".tantivy-writer.lock").touch()
    again = EmbeddedEngine(tmp_path)
    again.lock_for_writing()
    assert (again.path / "newslink-writer.pid").read_text() == str(os.getpid())
    again.write(_docs(5))
    again.close()
    assert EmbeddedEngine(tmp_path).count() == 5


def test_lock_held_in_this_process_names_it(tmp_path: Path) -> None:
    first, second = EmbeddedEngine(tmp_path), EmbeddedEngine(tmp_path)
    first.lock_for_writing()
    with pytest.raises(Exception, match=rf"locked by PID {os.getpid()} \(this process\)"):
        second.write(_docs(1))
    first.close()
    second.write(_docs(1))  # free again once released
    second.close()


def test_two_jobs_starting_on_a_fresh_index_agree_on_one_generation(tmp_path: Path) -> None:
    """Both claim the first generation at once: exactly one name wins, nobody writes into a folder nobody reads."""
    code = (
        "import sys, time\n"
        "from newslink.search.engines.embedded import EmbeddedEngine\n"
        "t = float(sys.argv[2])\n"
        "while time.time() < t: pass\n"
        "print(EmbeddedEngine(sys.argv[1]).generation)\n"
    )
    for _ in range(2):
        home = tmp_path / f"h{_}"
        start = time.time() + 1.0
        procs = [subprocess.Popen([sys.executable, "-c", code, str(home), str(start)], stdout=subprocess.PIPE, text=True) for _ in range(4)]
        names = {p.communicate(timeout=60)[0].strip() for p in procs}
        assert len(names) == 1, names
        assert json.loads((home / "indexes" / "articles" / "live.json").read_text())["generation"] in names


def test_lost_live_file_recovers_the_existing_generation(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path)
    engine.write(_docs(4))
    engine.close()
    (tmp_path / "indexes" / "articles" / "live.json").unlink()
    assert EmbeddedEngine(tmp_path).count() == 4


def test_a_search_racing_a_reindex_swap_follows_the_new_generation(tmp_path: Path) -> None:
    """The searcher checked live.json just before the swap and reloads just after the old folder is gone."""
    writer = EmbeddedEngine(tmp_path)
    writer.write(_docs(20))
    writer.close()
    reader = EmbeddedEngine(tmp_path)
    assert reader.search(SearchQuery(text="iran")).total == 20
    rebuild = EmbeddedEngine(tmp_path)
    target = rebuild.create_generation()
    target.write(_docs(20))
    rebuild.promote(target)
    reader._opened_live_mtime, reader._last_reload = reader._live_mtime(), 0.0  # the race, made certain
    assert reader.search(SearchQuery(text="iran")).total == 20
    assert reader.generation == target.generation


def _clocked_reader(path: Path) -> tuple[EmbeddedEngine, list[float]]:
    """A reader of the index at ``path`` whose FRESH_SECONDS clock is ``now[0]`` (tests move it: no sleeping)."""
    reader = EmbeddedEngine(path)
    now = [1000.0]
    reader._clock = lambda: now[0]
    return reader, now


def test_a_reader_checks_for_a_swap_at_most_once_per_interval_and_then_follows_it(tmp_path: Path) -> None:
    """Searches within FRESH_SECONDS of the last check neither stat live.json nor reload;
    the first one after it follows a promoted generation (a fake clock: no sleeping)."""
    from newslink.search.engines import embedded

    writer = EmbeddedEngine(tmp_path)
    writer.write(_docs(3))
    writer.close()
    reader, now = _clocked_reader(tmp_path)
    checks = []
    real_check = reader._live_mtime
    reader._live_mtime = lambda: (checks.append(1), real_check())[1]  # this reader's stats of live.json
    live_stats = lambda: len(checks)  # noqa: E731
    assert reader.search(SearchQuery(text="iran")).total == 3  # the first query checks and reloads
    old, checked = reader.generation, live_stats()
    assert checked == 1

    rebuild = EmbeddedEngine(tmp_path)
    target = rebuild.create_generation()
    target.write(_docs(5))
    rebuild.promote(target)
    now[0] += embedded.FRESH_SECONDS / 2
    assert reader.search(SearchQuery(text="iran")).total == 3  # within the interval: the snapshot it had
    assert reader.generation == old and live_stats() == checked  # no stat of live.json
    now[0] += embedded.FRESH_SECONDS
    assert reader.search(SearchQuery(text="iran")).total == 5  # due: follows the promoted generation
    assert reader.generation == target.generation != old
    rebuild.close()


def test_a_reader_keeps_its_searcher_while_nothing_is_committed_and_sees_the_next_commit(tmp_path: Path) -> None:
    """Past FRESH_SECONDS with no commit, the reader keeps the searcher it had (and the snippet
    markers tied to it); a commit by another process's writer (here: another engine) is seen at
    the first check due after it, including one that deletes as many documents as it adds."""
    from newslink.search.engines import embedded

    writer = EmbeddedEngine(tmp_path)
    writer.write(_docs(3))
    writer.commit()
    reader, now = _clocked_reader(tmp_path)
    assert reader.search(SearchQuery(text="iran")).total == 3
    first = reader._searcher()
    markers = reader._markers_of[1]
    assert markers, "the search made its snippet markers"
    now[0] += 10 * embedded.FRESH_SECONDS
    assert reader.search(SearchQuery(text="iran")).total == 3
    assert reader._searcher() is first and reader._markers_of[1] is markers  # no commit: same snapshot, same markers

    writer.write([{**d, "title": f"Tehran item {d['id']}"} for d in _docs(1)])  # replaces d0: same count, new content
    writer.commit()
    now[0] += 10 * embedded.FRESH_SECONDS
    assert reader.search(SearchQuery(text="iran")).total == 2  # d0 no longer says Iran in its title
    assert reader._searcher() is not first
    writer.close()


def test_info_reports_the_live_generation_at_once(tmp_path: Path) -> None:
    """``info`` (status, /health) does not wait for the interval: it reports what is live now."""
    EmbeddedEngine(tmp_path).close()
    reader = EmbeddedEngine(tmp_path)
    reader._clock = lambda: 1000.0  # time stands still: only a forced check can see the swap
    assert reader.count() == 0
    rebuild = EmbeddedEngine(tmp_path)
    target = rebuild.create_generation()
    target.write(_docs(2))
    rebuild.promote(target)
    assert reader.count() == 0  # the snapshot of this instant
    assert reader.info()["generation"] == target.generation and reader.info()["documents"] == 2
    assert reader.count() == 2
    rebuild.close()


def test_an_index_job_opened_before_a_swap_writes_into_the_new_generation(tmp_path: Path) -> None:
    """A job that opened the index, then a reindex swapped generations, then the job writes: nothing lost."""
    EmbeddedEngine(tmp_path).close()
    job = EmbeddedEngine(tmp_path)  # opened on the old generation
    rebuild = EmbeddedEngine(tmp_path)
    target = rebuild.create_generation()
    target.write(_docs(3, "old"))
    rebuild.promote(target)
    job.write(_docs(2, "new"))
    job.close()
    fresh = EmbeddedEngine(tmp_path)
    assert fresh.generation == target.generation
    assert sorted(all_ids(fresh)) == ["new0", "new1", "old0", "old1", "old2"]


def test_searches_keep_answering_while_a_reindex_swaps_generations(tmp_path: Path, kb) -> None:
    """`newslink reindex` in a subprocess; searches in a bounded loop see every document throughout."""
    from newslink.indexer.document import build_document
    from newslink.indexer.article import Article

    home = tmp_path / "home"
    engine = EmbeddedEngine(home)
    docs = [build_document(Article(id=f"r{i}", title=f"Iran report {i}", text="Tehran said so."), [], kb.version) for i in range(3000)]
    engine.write(docs)
    engine.close()
    old = EmbeddedEngine(home).generation
    reader = EmbeddedEngine(home)
    proc = newslink(home, Path(kb.path), "reindex", "--no-progress", "--json", log=tmp_path / "reindex")
    totals, errors = [], []
    try:
        deadline = time.monotonic() + DEADLINE
        while proc.poll() is None and time.monotonic() < deadline and len(totals) < 20000:
            try:
                totals.append(reader.search(SearchQuery(text="iran", size=1)).total)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))
        assert proc.wait(timeout=DEADLINE) == 0, (tmp_path / "reindex.err").read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    reader.refresh()  # the swap is seen within FRESH_SECONDS; now, without waiting for it
    totals.append(reader.search(SearchQuery(text="iran", size=1)).total)
    assert errors == []
    assert set(totals) == {3000}, sorted(set(totals))
    assert reader.generation != old and not (home / "indexes" / "articles" / old).exists()


def test_a_reindex_killed_half_way_leaves_the_live_index_and_the_next_one_reclaims_its_folder(tmp_path: Path) -> None:
    live = EmbeddedEngine(tmp_path)
    live.write(_docs(5))
    live.close()
    code = (
        "import os, signal, sys\n"
        "from newslink.search.engines.embedded import EmbeddedEngine\n"
        "e = EmbeddedEngine(sys.argv[1])\n"
        "g = e.create_generation()\n"
        "g.write([{'id': 'half', 'title': 'half', 'text': 'x', 'entities': {}}]); g.commit()\n"
        "print(g.generation, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    orphan = proc.stdout.strip()
    assert proc.returncode == -signal.SIGKILL and (tmp_path / "indexes" / "articles" / orphan).is_dir()
    engine = EmbeddedEngine(tmp_path)
    assert engine.count() == 5 and engine.generation != orphan  # the live index never saw it
    target = engine.create_generation()  # the next reindex
    assert not (tmp_path / "indexes" / "articles" / orphan).exists()
    target.write(_docs(5))
    engine.promote(target)
    assert engine.count() == 5
    assert sorted(d.name for d in (tmp_path / "indexes" / "articles").glob("gen-*")) == [target.generation]
