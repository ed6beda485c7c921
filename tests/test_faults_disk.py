"""A disk that fills up during `index`, `reindex` and `kb build`: one clear line with
what was kept, a non-zero exit, and the old index and KB intact.

The disk is made to "fill" for real: the command runs in a child process whose
file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes the kernel refuse
writes past a size, so tantivy and SQLite meet a genuine I/O error (EFBIG "File
too large", which they handle as they would ENOSPC) from the same write calls.
"""
from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newslink.search.cli import cli

pytestmark = pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE") or sys.platform != "linux", reason="needs Linux RLIMIT_FSIZE")

FIRST_SEGMENT = 256  # run_index writes (and with --commit-every 1 commits) 256 articles at a time
WORDS = "iran israel talks geneva minister army border oil sanctions vote court ruling summit treaty".split()


def _newslink(home: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess:
    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "NEWSLINK_HOME": str(home), "NEWSLINK_KB": str(home / "kb.sqlite")}
    env.pop("NEWSLINK_ENGINE", None)
    return subprocess.run(
        [sys.executable, "-m", "newslink.search.cli", *args], env=env, capture_output=True, text=True,
        preexec_fn=cap if limit else None, timeout=600,
    )


def _status(home: Path) -> dict:
    result = CliRunner().invoke(cli, ["--home", str(home), "status", "--json"], env={"NEWSLINK_KB": str(home / "kb.sqlite")})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _one_clear_line(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("newslink: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_full_disk_during_index_reindex_and_kb_build(tmp_path: Path, kb) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(kb.path, home / "kb.sqlite")
    rng = random.Random(5)
    src = tmp_path / "articles.jsonl"
    with src.open("w") as out:  # small articles first, then long ones: the second commit does not fit
        for i in range(FIRST_SEGMENT + 30):
            words = 20 if i < FIRST_SEGMENT else 2000
            out.write(json.dumps({"id": f"a{i}", "title": f"Iran talks {i}", "text": " ".join(f"{rng.choice(WORDS)}{rng.randint(0, 99999)}" for _ in range(words))}) + "\n")

    line = _one_clear_line(_newslink(home, "index", str(src), "--commit-every", "1", limit=400_000), 3)
    kept = int(re.search(r"(\d[\d,]*) articles? of this job committed and kept", line).group(1).replace(",", ""))
    assert kept == FIRST_SEGMENT and "failed" in line and "Rerun" in line
    assert _status(home)["index"]["documents"] == kept  # what the message says is what the index holds

    line = _one_clear_line(_newslink(home, "reindex", limit=20_000), 3)
    assert f"of {kept:,} documents" in line and "live index is unchanged" in line
    assert _status(home)["index"]["documents"] == kept

    before = _status(home)["kb"]
    line = _one_clear_line(_newslink(home, "kb", "build", limit=60_000), 4)
    assert "unchanged" in line and f"{before['entities']:,} entities" in line
    assert _status(home)["kb"] == before

    # When there is room again, the same command finishes the job without duplicates.
    assert _newslink(home, "index", str(src)).returncode == 0
    assert _status(home)["index"]["documents"] == FIRST_SEGMENT + 30
