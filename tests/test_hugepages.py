"""A linking worker's numpy arrays go without huge-page advice (indexer/hugepages.py).

Each check runs in a fresh interpreter: numpy's switch lasts for the process, and the
test session keeps numpy's default. What is checked is numpy's own state (its switch
reports what it was); that a parse is the same either way is bench/index_throughput.py
--code-before's document-by-document comparison (bench/README.md, issue 22).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SCRIPT = """
import json, sys
from newslink.indexer.allocator import tune_worker_allocator
from newslink.indexer.hugepages import arrays_use_huge_pages

before = arrays_use_huge_pages()
done = tune_worker_allocator() if sys.argv[1] == "worker" else ()
print(json.dumps({"before": before, "done": list(done), "after": arrays_use_huge_pages()}))
"""


def _run(mode: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k != "NEWSLINK_WORKER_MALLOC"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60, env={**clean, **env})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    if result["before"] is None:
        pytest.skip("this numpy has no huge-page switch")
    return result


def test_reading_the_switch_leaves_it_as_it_was() -> None:
    result = _run("read")
    assert result["before"] == result["after"]
    assert result["done"] == []


def test_a_worker_turns_numpys_huge_page_advice_off_by_default() -> None:
    result = _run("worker")
    assert result["after"] is False
    assert "small pages" in result["done"]


def test_system_leaves_numpys_advice_as_it_was() -> None:
    result = _run("worker", NEWSLINK_WORKER_MALLOC="system")
    assert result["after"] == result["before"]
    assert result["done"] == []


def test_keep_also_turns_the_advice_off() -> None:
    result = _run("worker", NEWSLINK_WORKER_MALLOC="keep")
    assert result["after"] is False
    assert "small pages" in result["done"]
