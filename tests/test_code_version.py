"""The code version in the incremental-index skip key (indexer/codeversion.py): it
follows the linking code's sources, not their paths or mtimes, and a document made
by other linking code is parsed again instead of being skipped as unchanged."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newslink.indexer import codeversion, document
from newslink.indexer.codeversion import PACKAGE_DIR, code_version, compute, covered_files
from newslink.indexer.document import content_hash
from newslink.indexer.pipeline import run_index
from newslink.indexer.readers import read_paths
from newslink.indexer.relink import relink_document
from newslink.indexer.linking import Linker

from conftest import DATA


def _rel(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in covered_files(root)}


def test_covers_the_linking_code_and_what_it_imports_not_the_plumbing() -> None:
    covered = _rel(PACKAGE_DIR)
    # the roots
    assert {"linking/linker.py", "linking/scoring.py", "mentions.py", "nlp.py", "document.py"} <= covered
    # found by following imports, on no list: the gazetteer (nlp.py), the KB store and
    # the name lists (linking), normalisation, the roll-up (document.py)
    assert {"gazetteer.py", "kb/store.py", "kb/common_names.py", "normalize.py", "rollup.py", "lexicon.py"} <= covered
    # the word lists the linker reads at run time
    assert {"kb_data/names/common_names.tsv", "kb_data/names/english_words.txt.gz"} <= covered
    # what feeds or carries documents, not what they are made of
    assert not {"readers.py", "pipeline.py", "evaluate.py", "deadletter.py", "relink.py", "kb/sparql.py"} & covered


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "pkg" / "indexer"
    shutil.copytree(PACKAGE_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "open", "located"))
    return root


def test_same_sources_elsewhere_give_the_same_version(tmp_path: Path) -> None:
    """Paths and mtimes are not in it: a wheel and a checkout of the same code agree."""
    root = _copy(tmp_path)
    (root / "linking" / "linker.py").touch()
    assert compute(root) == compute(PACKAGE_DIR) == code_version()


@pytest.mark.parametrize("path", ["linking/linker.py", "mentions.py", "gazetteer.py", "kb/store.py", "kb_data/names/common_names.tsv"])
def test_an_edit_of_a_covered_file_changes_it(tmp_path: Path, path: str) -> None:
    root = _copy(tmp_path)
    before = compute(root)
    with open(root / path, "ab") as handle:
        handle.write(b"\n# an edit\n" if path.endswith(".py") else b"\n")
    assert compute(root) != before


def test_a_module_the_linker_starts_to_import_is_covered(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    assert "evaluate.py" not in _rel(root)
    before = compute(root)
    with open(root / "linking" / "scoring.py", "a", encoding="utf-8") as handle:
        handle.write("\n\ndef _later():\n    from ..evaluate import evaluate  # noqa: F401\n")
    assert "evaluate.py" in _rel(root)
    with open(root / "evaluate.py", "a", encoding="utf-8") as handle:
        handle.write("\n# an edit\n")
    changed = compute(root)
    assert changed != before
    with open(root / "evaluate.py", "a", encoding="utf-8") as handle:
        handle.write("\n# another edit\n")
    assert compute(root) != changed


def test_an_edit_elsewhere_keeps_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = compute(root)
    for path in ("readers.py", "pipeline.py", "evaluate.py"):
        with open(root / path, "a", encoding="utf-8") as handle:
            handle.write("\n# an edit\n")
    assert compute(root) == before


def test_a_fresh_interpreter_computes_the_same() -> None:
    out = subprocess.run([sys.executable, "-c", "from newslink.indexer.codeversion import code_version; print(code_version())"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == code_version()


def _articles():
    return [a for a, _ in read_paths([DATA / "articles.jsonl"]) if a is not None]


def test_the_content_hash_holds_it(monkeypatch) -> None:
    article = _articles()[0]
    before = content_hash(article)
    monkeypatch.setattr(document, "code_version", lambda: "other-code")
    assert content_hash(article) != before


def test_documents_of_other_linking_code_are_parsed_again(tmp_path: Path, kb, pipeline, monkeypatch) -> None:
    from newslink.search.engines.embedded import EmbeddedEngine

    articles = _articles()
    engine = EmbeddedEngine(tmp_path / "home")
    try:
        monkeypatch.setattr(document, "code_version", lambda: "the-code-of-last-week")
        first = run_index(((a, []) for a in articles), pipeline, engine)
        assert first.new == len(articles)
        monkeypatch.setattr(document, "code_version", codeversion.code_version)
        again = run_index(((a, []) for a in articles), pipeline, engine)
        assert (again.new, again.changed, again.unchanged) == (0, len(articles), 0)
        third = run_index(((a, []) for a in articles), pipeline, engine)
        assert (third.changed, third.unchanged) == (0, len(articles))
    finally:
        engine.close()


def test_relinking_keeps_the_hash_of_the_code_that_found_the_mentions(corpus_docs, kb, monkeypatch) -> None:
    doc = dict(corpus_docs[0], content_hash="hash-by-older-code")
    monkeypatch.setattr(document, "code_version", lambda: "newer-code")
    again = relink_document(doc, Linker(kb), kb.version)
    assert again["content_hash"] == "hash-by-older-code"
