"""The search page as the server ships it (no browser needed): served at / with headers that
let only its own code run, a bundle that fetches nothing from elsewhere and never parses
text as HTML, packaged with the wheel. The page's behaviour is tested in a real browser
in test_web_browser.py."""
from __future__ import annotations

import fnmatch
import re
import tomllib

from conftest import REPO

STATIC = REPO / "search" / "web" / "static"


def test_the_page_is_served_at_the_root_with_strict_headers(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert '<script src="/static/app.js"' in resp.text
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    for name in ("app.js", "app.css", "favicon.svg"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200, name
        assert "content-security-policy" in asset.headers
    assert client.get("/static/nothing.js").status_code == 404


def test_the_page_reads_its_own_query_string_while_the_api_still_refuses_unknown_parameters(client):
    assert client.get("/?q=drones&country=Q794&since=2024&page=2&more=person&article=t-1").status_code == 200
    resp = client.get("/search?contry=Q794")
    assert resp.status_code == 400 and resp.json()["param"] == "contry"
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_swagger_ui_keeps_working_without_the_pages_policy(client):
    resp = client.get("/docs")
    assert resp.status_code == 200
    assert "content-security-policy" not in resp.headers  # its inline script would be blocked


def test_the_bundle_loads_nothing_from_elsewhere_and_never_parses_text_as_html():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert ref.startswith(("/", "#")), f"index.html refers to {ref} (must be same-origin, works offline)"
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert banned not in js, banned
    assert re.findall(r"https?://[^\s\"']+", js) == ["https://www.wikidata.org/wiki/"]  # links only, never fetched
    assert not re.search(r"https?://|@import", css)


def test_the_bundle_is_package_data():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "newslink.search.web" in pyproject["tool"]["setuptools"]["packages"]
    patterns = pyproject["tool"]["setuptools"]["package-data"]["newslink.search.web"]
    files = [p.relative_to(STATIC.parent).as_posix() for p in STATIC.iterdir()]
    assert {"static/index.html", "static/app.js", "static/app.css"} <= set(files)
    for name in files:
        assert any(fnmatch.fnmatch(name, pat) for pat in patterns), f"{name} would be left out of the wheel"
