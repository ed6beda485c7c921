"""Connecting the official ``elasticsearch`` 8.x client to Elasticsearch *or* OpenSearch.

Why this module exists: the 8.x client sends every request with the compatibility
media type ``application/vnd.elasticsearch+json; compatible-with=8`` and refuses any
server that does not answer with ``X-Elastic-Product: Elasticsearch``. Elasticsearch 8
wants exactly that; OpenSearch 2/3 (and ``osmem-server``) answer 406 to it, and real
OpenSearch does not send the product header. So we ask ``GET /`` once, read the
distribution, and build the client to suit: Elasticsearch 8 gets the stock client,
anything else gets a node class that sends plain ``application/json`` /
``application/x-ndjson`` and vouches for the product we already identified. The fix
lives in client construction, so every call site stays an ordinary client call.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elastic_transport import HttpHeaders, Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch, TransportError

from .base import EngineError

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+([\w.-]+)(?:\s*;\s*compatible-with=\d+)?")
RETRY_STATUSES = (502, 503, 504)  # a node restarting or a proxy in front of one; 429 is the bulk helper's


class PlainJsonNode(Urllib3HttpNode):
    """A urllib3 node that speaks plain JSON to servers that reject the compatibility type.

    Only used once ``GET /`` has shown the server is not Elasticsearch 8, which is also
    why it may supply the ``X-Elastic-Product`` header the client insists on.
    """

    def perform_request(self, method: str, target: str, body: bytes | None = None, headers: HttpHeaders | None = None, **kwargs: Any):  # type: ignore[override]
        if headers:
            headers = HttpHeaders({k: _COMPAT.sub(r"application/\1", v) for k, v in headers.items()})
        response = super().perform_request(method, target, body=body, headers=headers, **kwargs)
        if "x-elastic-product" not in response.meta.headers:
            response.meta.headers["X-Elastic-Product"] = "Elasticsearch"
        return response


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``GET /`` told us about the cluster."""

    distribution: str  # "elasticsearch" or "opensearch"
    version: str
    cluster_name: str = ""

    @property
    def major(self) -> int:
        try:
            return int(self.version.split(".", 1)[0])
        except ValueError:
            return 0

    @property
    def wants_compat_media_type(self) -> bool:
        return self.distribution == "elasticsearch" and self.major >= 8

    def describe(self) -> str:
        name = "OpenSearch" if self.distribution == "opensearch" else "Elasticsearch"
        return f"{name} {self.version}"


def detect(root: dict[str, Any]) -> ServerInfo:
    """Classify a ``GET /`` body; raises EngineError for anything that is neither."""
    version = root.get("version") if isinstance(root, dict) else None
    if not isinstance(version, dict) or "number" not in version:
        raise EngineError("the server at this URL is not Elasticsearch or OpenSearch (GET / has no version)")
    distribution = str(version.get("distribution") or "").lower()
    if distribution != "opensearch":
        if "You Know, for Search" not in str(root.get("tagline", "")) and distribution not in ("", "elasticsearch"):
            raise EngineError(f"unsupported search server distribution {distribution!r}")
        distribution = "elasticsearch"
    return ServerInfo(distribution, str(version["number"]), str(root.get("cluster_name", "")))


def redact(url: str) -> str:
    """The URL without credentials, for messages and `status`."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def unreachable(url: str, exc: BaseException) -> EngineError:
    """The message for a server we cannot talk to."""
    return EngineError(
        f"cannot reach Elasticsearch/OpenSearch at {redact(url)} ({exc.__class__.__name__}: {_short(exc)}); "
        "is it running? (`docker compose up -d elasticsearch`, or set NEWSLINK_ES_URL)"
    )


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text if len(text) <= 200 else text[:200] + "…"


def _client(url: str, node_class: type | None, request_timeout: float, max_retries: int) -> Elasticsearch:
    kwargs: dict[str, Any] = {
        "request_timeout": request_timeout,
        "max_retries": max_retries,
        "retry_on_status": RETRY_STATUSES,
        "retry_on_timeout": True,
    }
    if node_class is not None:
        kwargs["node_class"] = node_class
    return Elasticsearch(url, **kwargs)


def connect(url: str, *, request_timeout: float = 30.0, max_retries: int = 3) -> tuple[Elasticsearch, ServerInfo]:
    """A client suited to the server at ``url``, and what that server is."""
    probe = _client(url, PlainJsonNode, request_timeout=min(request_timeout, 10.0), max_retries=1)
    try:
        root = probe.info().body
    except ApiError as exc:
        probe.close()
        raise EngineError(f"{redact(url)} answered GET / with HTTP {exc.meta.status}: {_short(exc)} (credentials? wrong URL?)") from exc
    except TransportError as exc:
        probe.close()
        raise unreachable(url, exc) from exc
    server = detect(root)
    if not server.wants_compat_media_type:
        probe.close()
        return _client(url, PlainJsonNode, request_timeout, max_retries), server
    probe.close()
    return _client(url, None, request_timeout, max_retries), server
