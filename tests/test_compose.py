"""docker-compose.yml says what the README promises: a single-node Elasticsearch 8 for a
laptop, reachable only from this machine, an optional OpenSearch 2.19 beside it (the major
version CI tests on with tools/opensearch-local), and an optional API service wired to ES.

No Docker engine runs here (nor in CI), so the file is checked as data: the
settings a user relies on, and that what it points at exists in the repo.
"""
from __future__ import annotations

import re

import yaml

from conftest import REPO


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v).split("#")[0].strip() for k, v in env.items()}


def test_elasticsearch_is_a_single_node_es8_for_a_laptop() -> None:
    es = compose()["services"]["elasticsearch"]
    assert re.fullmatch(r"docker\.elastic\.co/elasticsearch/elasticsearch:8\.\d+\.\d+", es["image"])
    env = env_of(es)
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"  # local use: plain http://localhost:9200
    heap = re.findall(r"-Xm[sx](\d+)([mg])", env["ES_JAVA_OPTS"])
    assert len(heap) == 2 and all((int(n) * (1024 if u == "g" else 1)) <= 2048 for n, u in heap)
    assert es["ports"] == ["127.0.0.1:9200:9200"]  # never exposed beyond this machine
    assert "healthcheck" in es


def test_opensearch_is_an_optional_single_node_beside_elasticsearch() -> None:
    services = compose()["services"]
    os_ = services["opensearch"]
    assert os_["profiles"] == ["opensearch"]  # `docker compose up -d opensearch` starts it; plain `up` does not
    match = re.fullmatch(r"opensearchproject/opensearch:(\d+)\.(\d+)\.\d+", os_["image"])
    run = (REPO / "tools" / "opensearch-local" / "run").read_text(encoding="utf-8")
    tested = re.search(r"OPENSEARCH_VERSION:-(\d+)\.(\d+)\.\d+", run)
    assert match and tested and match.groups() == tested.groups()  # the minor version CI runs
    env = env_of(os_)
    assert env["discovery.type"] == "single-node"
    assert env["DISABLE_SECURITY_PLUGIN"] == "true"  # plain http, like the Elasticsearch service
    heap = re.findall(r"-Xm[sx](\d+)([mg])", env["OPENSEARCH_JAVA_OPTS"])
    assert len(heap) == 2 and all((int(n) * (1024 if u == "g" else 1)) <= 2048 for n, u in heap)
    assert os_["ports"] == ["127.0.0.1:9201:9200"]  # never exposed beyond this machine

    def host_sides(service: dict) -> set[str]:
        return {p.rsplit(":", 1)[0] for p in service["ports"]}

    assert host_sides(os_).isdisjoint(host_sides(services["elasticsearch"]))  # both can run at once
    assert "healthcheck" in os_ and os_["volumes"][0].split(":")[0] in compose()["volumes"]


def test_the_api_service_is_optional_and_wired_to_the_cluster() -> None:
    services = compose()["services"]
    api = services["api"]
    assert api["profiles"] == ["api"]  # `docker compose up` alone starts only Elasticsearch
    env = env_of(api)
    assert env["NEWSLINK_ENGINE"] == "elasticsearch"
    assert env["NEWSLINK_ES_URL"] == "http://elasticsearch:9200" and "elasticsearch" in services
    mount = env["NEWSLINK_MAPPINGS"]
    assert mount.startswith("/app/") and (REPO / mount.removeprefix("/app/") / "articles.json").is_file()
    assert "newslink serve" in api["command"] and "--host 0.0.0.0" in api["command"]
    assert api["ports"] == ["127.0.0.1:8000:8000"]
    assert api["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
