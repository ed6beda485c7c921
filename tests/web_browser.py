"""What the browser tests and bench/web_first_render.py share: the real API app served by
uvicorn on 127.0.0.1 in a thread, and Debian's Chromium driven by Playwright.

Playwright's own browser download is never used (it needs the network); the tests drive
the system's ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it).
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

CHROMIUM = os.environ.get("NEWSLINK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (None when they can, or when
    ``NEWSLINK_REQUIRE_BROWSER`` is set, as in CI: then a missing browser fails them)."""
    if os.environ.get("NEWSLINK_REQUIRE_BROWSER"):
        return None
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not found (apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on 127.0.0.1 and a free port, in a thread; yields the base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # uvicorn sets it once the socket listens
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (the system's) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """Everything that went wrong on a page: console errors, uncaught exceptions,
    failed requests and requests answered with an HTTP error."""

    items: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("console", lambda m: m.type in ("error", "warning") and self.items.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.items.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self.items.append(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.items.append(f"HTTP {r.status}: {r.url}"))
        return page
