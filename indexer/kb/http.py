"""HTTP for the Wikidata clients: one polite session, retries with backoff.

Wikidata asks API users for a descriptive User-Agent with a way to contact the
operator (https://meta.wikimedia.org/wiki/User-Agent_policy) and for backing off
on 429/503 (honouring ``Retry-After``). Set ``NEWSLINK_USER_AGENT`` to name your
deployment and give a contact address.
"""
from __future__ import annotations

import os
import random
import time
from typing import Any

import requests

try:  # the package version, without importing the search side
    from importlib.metadata import version as _version

    VERSION = _version("newslink")
except Exception:  # pragma: no cover - running from a source tree
    VERSION = "0.1.0"

RETRY_STATUS = {429, 500, 502, 503, 504}


class WikidataError(RuntimeError):
    """Wikidata could not be reached or answered with an error."""


class QueryTimeout(WikidataError):
    """The query service stopped the query at its time limit (or never answered in time):
    sending it again would time out again; the caller asks for less."""


# How Wikidata's query service says it stopped a query at its 60 s limit (HTTP 500).
TIMEOUT_MARKERS = ("java.util.concurrent.TimeoutException", "QueryTimeoutException")


def user_agent() -> str:
    custom = os.environ.get("NEWSLINK_USER_AGENT")
    if custom:
        return custom
    return (
        f"newslink/{VERSION} (entity-linked news search; set NEWSLINK_USER_AGENT to add a contact) "
        f"python-requests/{requests.__version__}"
    )


class Http:
    """A requests session with the User-Agent, a timeout, retries and a pause
    between requests (``pause`` seconds; be gentle with a shared service)."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: float = 60.0,
        retries: int = 5,
        backoff: float = 2.0,
        pause: float = 0.0,
        max_wait: float = 120.0,
    ) -> None:
        self.session = session or requests.Session()
        if str(self.session.headers.get("User-Agent", "")).startswith("python-requests"):
            self.session.headers["User-Agent"] = user_agent()  # never the anonymous default
        self.timeout = timeout
        # NEWSLINK_WIKIDATA_RETRIES / _BACKOFF override the defaults (tests, impatient users).
        self.retries = int(os.environ.get("NEWSLINK_WIKIDATA_RETRIES", retries))
        self.backoff = float(os.environ.get("NEWSLINK_WIKIDATA_BACKOFF", backoff))
        self.pause = pause
        self.max_wait = max_wait
        self._last = 0.0
        self.requests = 0

    def _sleep_between(self) -> None:
        if self.pause > 0:
            wait = self._last + self.pause - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last = time.monotonic()

    def _delay(self, attempt: int, response: requests.Response | None) -> float:
        if response is not None:
            after = response.headers.get("Retry-After")
            if after:
                try:
                    return min(float(after), self.max_wait)
                except ValueError:
                    pass
        return min(self.backoff * (2**attempt) * (0.5 + random.random() / 2), self.max_wait)

    def request(self, method: str, url: str, *, timeouts_final: bool = False, **kwargs: Any) -> requests.Response:
        """The response of the first attempt that is not a transient failure.

        ``timeouts_final``: a query the server stopped at its time limit, or that got no
        answer within ``timeout``, raises :class:`QueryTimeout` at once instead of being
        retried (the SPARQL service: the same query would time out again)."""
        kwargs.setdefault("timeout", self.timeout)
        last_error: str = ""
        for attempt in range(self.retries + 1):
            self._sleep_between()
            self.requests += 1
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.ReadTimeout as exc:
                if timeouts_final:
                    raise QueryTimeout(f"{method} {url}: no answer within {kwargs['timeout']} s") from exc
                last_error = f"{type(exc).__name__}: {exc}"
                response = None
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                response = None
            else:
                if timeouts_final and response.status_code == 500 and any(m in response.text for m in TIMEOUT_MARKERS):
                    raise QueryTimeout(f"{method} {url}: the query timed out on the server")
                if response.status_code not in RETRY_STATUS:
                    if response.status_code >= 400:
                        raise WikidataError(f"{method} {url} -> HTTP {response.status_code}: {response.text[:200]}")
                    return response
                last_error = f"HTTP {response.status_code}"
            if attempt < self.retries:
                time.sleep(self._delay(attempt, response))
        raise WikidataError(f"{method} {url} failed after {self.retries + 1} attempts ({last_error})")

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        response = self.request("GET", url, params=params, headers={"Accept": "application/json"})
        try:
            return response.json()
        except ValueError as exc:
            raise WikidataError(f"GET {url}: not JSON") from exc
