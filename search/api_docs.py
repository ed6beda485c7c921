"""The API's Swagger UI served from the package, not from a CDN.

FastAPI's default ``/docs`` page loads Swagger UI's JavaScript and CSS from a
CDN, so it is blank offline (and on any air-gapped newsroom network). The
``swagger-ui-bundle-v2`` package ships Swagger UI's dist files; this module
mounts them and serves ``/docs`` the way FastAPI documents for self-hosting
("Custom Docs UI Static Assets"). ReDoc, which only a CDN provides, is off.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def install_docs(app: FastAPI, docs_url: str = "/docs") -> None:
    """Serve Swagger UI at ``docs_url`` from the installed bundle (create the app
    with ``docs_url=None, redoc_url=None`` so FastAPI does not add its CDN pages)."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")
    redirect_url = f"{docs_url}/oauth2-redirect"

    @app.get(docs_url, include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=root + redirect_url,
        )

    @app.get(redirect_url, include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
