"""Shared fixtures: a private data dir per test session, the real KB, the real
spaCy pipeline (loaded once), and a small indexed corpus on the real engine."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("NEWSLINK_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or a skip with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only on the project's machines)")
    return path


def read_all(paths: list[Path]) -> tuple[list, list]:
    """Every article and every problem the readers give for ``paths``, in order."""
    from newslink.indexer.readers import read_paths

    articles, problems = [], []
    for article, probs in read_paths(paths):
        problems.extend(probs)
        if article is not None:
            articles.append(article)
    return articles, problems


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("newslink-home")
    os.environ["NEWSLINK_HOME"] = str(home)
    os.environ.pop("NEWSLINK_KB", None)
    os.environ.pop("NEWSLINK_ENGINE", None)
    return home


@pytest.fixture(scope="session")
def kb(session_home: Path):
    from newslink.indexer.kb.loader import open_kb

    return open_kb()


@pytest.fixture(scope="session")
def pipeline(kb):
    from newslink.indexer.pipeline import EntityPipeline

    return EntityPipeline(kb)


@pytest.fixture(scope="session")
def corpus_docs(pipeline) -> list[dict]:
    """The test corpus as linked documents (spaCy runs once per session)."""
    from newslink.indexer.document import build_document
    from newslink.indexer.readers import read_paths

    docs = []
    for article, _problems in read_paths([DATA / "articles.jsonl"]):
        assert article is not None
        docs.append(build_document(article, pipeline.link_text(article.body_for_nlp), pipeline.kb.version))
    return docs


@pytest.fixture()
def embedded_engine(tmp_path: Path):
    from newslink.search.engines.embedded import EmbeddedEngine

    engine = EmbeddedEngine(tmp_path / "home")
    yield engine
    engine.close()


@pytest.fixture()
def filled_embedded(embedded_engine, corpus_docs):
    assert embedded_engine.write(corpus_docs) == []
    embedded_engine.commit()
    return embedded_engine
