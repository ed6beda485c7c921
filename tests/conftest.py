"""Shared fixtures: a private data dir per test session, the real KB, the real
spaCy pipeline (loaded once), and a small indexed corpus on the real engine."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# The pinned decisions of most tests were set on the curated starter KB, and a KB
# build with the open data costs seconds per test home: the suite builds starter-only
# KBs unless a test asks for the open data (tests/test_open_data_linking.py does,
# and so does the default `newslink kb build` outside the tests).
os.environ.setdefault("NEWSLINK_KB_SOURCES", "starter")

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("NEWSLINK_SHARED", REPO.parent / "shared"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that talks to the cluster, so `pytest -m es` reruns just those on
    another server version (.ci/run does, for OpenSearch 3)."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_cluster = any(isinstance(v, str) and v.startswith("elasticsearch-") for v in params.values())  # engine contract
        if on_cluster or "es_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.es)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """One line saying where the Elasticsearch-side tests ran (also under -q, unlike a header)."""
    terminalreporter.write_line(_es_target_line())


def _es_target_line() -> str:
    url = os.environ.get("NEWSLINK_ES_URL")
    if not url:
        return ("elasticsearch tests: osmem-server (an emulator); set NEWSLINK_ES_URL to test on a real node "
                "(tools/opensearch-local/run, see README)")
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/", timeout=10) as resp:
            version = json.loads(resp.read()).get("version", {})
        what = f"{version.get('distribution', 'elasticsearch')} {version.get('number', '?')}"
    except (OSError, ValueError) as exc:  # es_server.es_url skips them
        return f"elasticsearch tests: skipped: {url} (NEWSLINK_ES_URL) is not reachable ({exc})"
    return f"elasticsearch tests: {what} at {url} (NEWSLINK_ES_URL)"


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
    from newslink.indexer.linking.unlinked import UnlinkedNames
    from newslink.indexer.readers import read_paths

    names = UnlinkedNames(pipeline.kb)
    docs = []
    for article, _problems in read_paths([DATA / "articles.jsonl"]):
        assert article is not None
        links = pipeline.link_text(article.body_for_nlp)
        docs.append(build_document(article, links, pipeline.kb.version, pipeline.kb, unlinked=names.find(links, article.body_for_nlp)))
    return docs


def native_highlighter():
    """The compiled page highlighter (``native/``), or a skip saying how to get it; a failure
    instead when ``NEWSLINK_REQUIRE_NATIVE`` is set (as in CI, which builds it)."""
    try:
        import newslink_native
    except ImportError as exc:
        if os.environ.get("NEWSLINK_REQUIRE_NATIVE"):
            pytest.fail(f"NEWSLINK_REQUIRE_NATIVE is set but newslink_native does not import ({exc}): pip install ./native")
        pytest.skip("newslink_native is not installed (pip install ./native, needs a Rust toolchain; .ci/run installs it)")
    return newslink_native


@pytest.fixture(params=["python", "native"])
def highlighter(request: pytest.FixtureRequest):
    """Each page highlighter of the embedded engine: None (the Python marker), the extension."""
    return None if request.param == "python" else native_highlighter()


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


def fill_home(home: Path, kb, docs: list[dict]) -> Path:
    """``home`` made a data dir holding a copy of ``kb`` and an embedded index of ``docs``."""
    import shutil

    from newslink.indexer.kb.loader import open_kb
    from newslink.search.engines.embedded import EmbeddedEngine

    shutil.copy(kb.path, home / "kb.sqlite")
    open_kb(home / "kb.sqlite").close()  # settle a rebuild now if the starter data moved meanwhile
    engine = EmbeddedEngine(home, "articles")
    assert engine.write(docs) == []
    engine.commit()
    engine.close()
    return home


@contextmanager
def api_app(home: Path) -> Iterator[Any]:
    """The real API app over the data dir ``home`` (its engine closed afterwards)."""
    from newslink.indexer.kb import KnowledgeBase
    from newslink.search.api import create_app
    from newslink.search.engines.embedded import EmbeddedEngine

    engine = EmbeddedEngine(home, "articles")
    kb = KnowledgeBase(home / "kb.sqlite")
    try:
        yield create_app(engine, kb)
    finally:
        engine.close()
        kb.close()


@pytest.fixture(scope="module")
def api_home(tmp_path_factory: pytest.TempPathFactory, kb, corpus_docs: list[dict]) -> Path:
    """A data dir holding the session KB and an index of the test corpus (per module)."""
    return fill_home(tmp_path_factory.mktemp("api-home"), kb, corpus_docs)


@pytest.fixture(scope="module")
def client(api_home: Path):
    """The real API app over ``api_home`` (errors answered, not raised)."""
    from fastapi.testclient import TestClient

    with api_app(api_home) as app, TestClient(app, raise_server_exceptions=False) as c:
        yield c
