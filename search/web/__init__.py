"""The search page: a small static bundle (HTML, JavaScript, CSS) served beside the API.

Why static files and not templates: the page is a client of the JSON API and nothing
else (search, facets, timeline, entities and articles all come from the same endpoints
curl uses), so there is exactly one implementation of search, and the bundle needs no
build step and nothing from a CDN: it works offline and ships inside the wheel.

What this module adds to the app:

- ``/`` (the page; its views are chosen by the query string, so a URL is the whole
  state: ``/?q=drones&country=Q794``, ``/?article=ID``, ``/?entity=Q794``) and
  ``/static/…`` (the bundle). They are plain Starlette routes, not API routes: the
  API's unknown-parameter check (which keeps ``contry=Q794`` from silently matching
  everything) applies to the API only, while the page's query string is read by the page.
- response headers that keep the page's own code the only code that runs: a
  Content-Security-Policy allowing scripts, styles and requests from this origin only
  (no inline script, no CDN), ``nosniff``, no framing, no referrer leaving the page.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"
STATIC_URL = "/static"

PAGE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class PageHeaders:
    """ASGI middleware adding :data:`PAGE_HEADERS` to the page and its bundle.

    Pure ASGI (not ``BaseHTTPMiddleware``), so the API's streamed ``/export`` is not
    buffered; API answers only get ``nosniff`` (Swagger UI at ``/docs`` needs its inline
    script, which the page's policy would block)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        page = path == "/" or path.startswith(STATIC_URL + "/")
        extra = PAGE_HEADERS if page else {"X-Content-Type-Options": "nosniff"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in extra.items() if k.lower().encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_page(app: FastAPI) -> None:
    """Serve the page at ``/`` and its bundle under ``/static``, with :class:`PageHeaders`."""

    async def page(_: Request) -> Response:
        # no-cache: revalidated on each load, so a new release's bundle is picked up at once.
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    app.add_route("/", page, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC), name="static")
    app.add_middleware(PageHeaders)
