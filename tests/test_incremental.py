"""Incremental indexing: an article already indexed with the same content and KB
version is skipped without parsing; a changed one is parsed again; --force re-does
all; a reindex keeps what the next job compares. On both engines (the Elasticsearch
side on the test cluster, see es_server.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from es_server import es_targets, es_url, unique_index  # noqa: F401 - fixtures

from newslink.indexer.document import build_document, content_hash
from newslink.indexer.pipeline import EntityPipeline, run_index
from newslink.indexer.readers import read_paths
from newslink.search.cli import cli

from conftest import DATA

ENGINE_KINDS = ["embedded"] + [f"elasticsearch-{t}" for t in es_targets()]


def _articles():
    return [a for a, _ in read_paths([DATA / "articles.jsonl"]) if a is not None]


class Recording(EntityPipeline):
    """The real pipeline, noting the id of every article it is given to parse."""

    def __init__(self, kb) -> None:
        super().__init__(kb)
        self.parsed: list[str] = []

    def process_named(self, articles):  # what run_index calls
        def noted():
            for article in articles:
                self.parsed.append(article.id)
                yield article

        return super().process_named(noted())


@pytest.fixture(params=ENGINE_KINDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "embedded":
        from newslink.search.engines.embedded import EmbeddedEngine

        eng = EmbeddedEngine(tmp_path / "home")
    else:
        from newslink.search.engines.elasticsearch import ElasticsearchEngine

        eng = ElasticsearchEngine(request.getfixturevalue("es_url"), unique_index("inc"))
    yield eng
    if hasattr(eng, "drop"):
        eng.drop()
    eng.close()


def _index(engine, kb, articles, **kw):
    pipeline = Recording(kb)
    summary = run_index(((a, []) for a in articles), pipeline, engine, **kw)
    return summary, pipeline.parsed


def test_content_hash_follows_every_stored_field() -> None:
    article = _articles()[0]
    same = type(article)(**{f: getattr(article, f) for f in article.__slots__})
    assert content_hash(same) == content_hash(article)
    for field, value in [("title", article.title + "!"), ("text", article.text + " More."), ("published", "2020-01-01T00:00:00Z"),
                         ("source", "Other"), ("url", "https://example.org/other"), ("meta", {"section": "world"})]:
        edited = type(article)(**{f: getattr(article, f) for f in article.__slots__})
        setattr(edited, field, value)
        assert content_hash(edited) != content_hash(article), field


def test_stored_versions_answers_a_batch(engine, corpus_docs, kb) -> None:
    assert engine.write(corpus_docs) == []
    engine.commit()
    ids = [d["id"] for d in corpus_docs]
    got = engine.stored_versions([*ids, "not-indexed", ids[0]])
    assert got == {d["id"]: (d["content_hash"], kb.version) for d in corpus_docs}
    assert engine.stored_versions([]) == {}


def test_rerun_skips_unchanged_and_parses_only_what_changed(engine, kb) -> None:
    articles = _articles()
    first, parsed = _index(engine, kb, articles)
    assert (first.new, first.changed, first.unchanged, first.indexed) == (len(articles), 0, 0, len(articles))
    assert parsed == [a.id for a in articles]

    again, parsed = _index(engine, kb, articles)
    assert parsed == []  # nothing reached spaCy
    assert (again.new, again.changed, again.unchanged, again.indexed) == (0, 0, len(articles), 0)

    edited = _articles()
    edited[1].text += " The talks resume on Monday."
    fresh = type(edited[0])(id="t-new", title="Yemen", text="Fighting near Sanaa in Yemen.")
    third, parsed = _index(engine, kb, [*edited, fresh])
    assert parsed == [edited[1].id, "t-new"]
    assert (third.new, third.changed, third.unchanged, third.indexed) == (1, 1, len(articles) - 1, 2)
    assert engine.get(edited[1].id)["text"].endswith("The talks resume on Monday.")
    assert engine.get(edited[1].id)["content_hash"] == content_hash(edited[1])

    forced, parsed = _index(engine, kb, [*edited, fresh], force=True)
    assert parsed == [a.id for a in [*edited, fresh]]
    assert (forced.new, forced.changed, forced.unchanged, forced.indexed) == (0, 0, len(articles) + 1, len(articles) + 1)
    assert engine.count() == len(articles) + 1


def test_another_kb_version_makes_every_article_changed(engine, kb, pipeline) -> None:
    articles = _articles()
    old = [build_document(a, pipeline.link_text(a.body_for_nlp), "an-older-kb") for a in articles]
    assert engine.write(old) == []
    engine.commit()
    summary, parsed = _index(engine, kb, articles)
    assert parsed == [a.id for a in articles]
    assert (summary.new, summary.changed, summary.unchanged) == (0, len(articles), 0)
    assert {v for _h, v in engine.stored_versions([a.id for a in articles]).values()} == {kb.version}


def test_reindex_keeps_what_a_rerun_compares(engine, kb) -> None:
    from newslink.search.reindex import run_reindex

    articles = _articles()
    _index(engine, kb, articles)
    before = engine.stored_versions([a.id for a in articles])
    result = run_reindex(engine, kb, workers=1)
    assert result["indexed"] == len(articles)
    assert engine.stored_versions([a.id for a in articles]) == before
    summary, parsed = _index(engine, kb, articles)
    assert parsed == [] and summary.unchanged == len(articles)


# ---------------------------------------------------------------------------- the command
@pytest.fixture()
def run(tmp_path: Path, session_home: Path):
    runner = CliRunner()
    home = tmp_path / "home"

    def invoke(*args: str):
        result = runner.invoke(cli, ["--home", str(home), *args], env={"NEWSLINK_KB": str(session_home / "kb.sqlite")}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return invoke


def test_index_command_says_new_changed_unchanged(run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = (DATA / "articles.jsonl").read_text().splitlines()
    source.write_text("\n".join(lines) + "\n")
    first = json.loads(run("index", "--json", str(source)).stdout)
    assert (first["new"], first["changed"], first["unchanged"], first["indexed"]) == (len(lines), 0, 0, len(lines))

    again = run("index", str(source))  # all unchanged: still a success (exit 0), said so
    assert f"0 new, 0 changed; {len(lines)} unchanged (not re-parsed)" in again.stdout

    record = json.loads(lines[0])
    record["title"] += " (updated)"
    source.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    edited = json.loads(run("index", "--json", str(source)).stdout)
    assert (edited["new"], edited["changed"], edited["unchanged"], edited["indexed"]) == (0, 1, len(lines) - 1, 1)

    forced = json.loads(run("index", "--json", "--force", str(source)).stdout)
    assert forced["force"] is True and forced["indexed"] == len(lines) and forced["unchanged"] == len(lines)
    assert forced["index"]["documents"] == len(lines)
