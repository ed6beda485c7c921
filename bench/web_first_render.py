"""Time to the first result view of the search page, in a real headless Chromium.

What a reporter waits for: from typing the URL (navigation start) to the page showing
results, facets and the timeline, i.e. the HTML, the script and the one ``/search`` request
(hits, six facets, the histogram) done and drawn. Measured by the page's own
``performance.mark("newslink-first-render")`` on the indexed newsarticles2017 corpus (indexed
once into ``--home`` and reused), the real server (``newslink serve`` on 127.0.0.1), Debian's
Chromium driven by Playwright (the same launcher as tests/test_web_browser.py). Each round is
a fresh browser context (no HTTP cache), over a few views: everything, a keyword query, a
keyword + two facet filters + a date range, an article, an entity page.

    .venv/bin/python bench/web_first_render.py [--rounds 10] [--home DIR] [--limit N] [--screenshots docs/]

``--limit N`` indexes only the first N articles (when indexing the whole corpus takes too
long). ``--screenshots DIR`` also saves the main views as PNGs (search with facets, article,
entity page, phone width), as in the README. The last line holds the key figures.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the browser launcher the tests use
from _common import corpus_file  # noqa: E402
from api_latency import ensure_index, free_port, percentile, start_server, top  # noqa: E402
from web_browser import PageProblems, chromium, missing_browser  # noqa: E402

FIRST_RENDER = "performance.getEntriesByName('newslink-first-render')[0]?.startTime ?? null"
SEARCH_FETCH = "performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === '/search').map(e => e.duration)"


def subset(corpus: Path, limit: int, home: Path) -> Path:
    """The first ``limit`` records of ``corpus`` as a JSONL file in ``home``."""
    out = home / f"subset-{limit}.jsonl"
    if not out.exists():
        with gzip.open(corpus, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= limit:
                    break
                dst.write(line)
    return out


def views(base: str) -> dict[str, str]:
    """The URLs measured, built from what the index holds."""
    with httpx.Client(base_url=base, timeout=30) as http:
        country = top(http, "country", 1)[0]
        person = top(http, "person", 1, country=country)[0]
        article = http.get("/search", params={"q": "trump", "size": 1, "facets": ""}).raise_for_status().json()["hits"][0]["id"]
    return {
        "all articles": f"{base}/",
        "keywords": f"{base}/?q=trump",
        "keywords + 2 facets + dates": f"{base}/?q=election&country={country}&person={person}&since=2016-01-01&until=2017-12-31",
        "article": f"{base}/?article={article}",
        "entity page": f"{base}/?entity={person}",
    }


def measure(browser, url: str, problems: PageProblems) -> tuple[float, list[float]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = problems.watch(context.new_page())
    page.goto(url)
    page.wait_for_selector("body[data-renders]", state="attached", timeout=30_000)
    first = page.evaluate(FIRST_RENDER)
    fetches = page.evaluate(SEARCH_FETCH)
    ready = page.evaluate("document.body.dataset.ready")
    context.close()
    if first is None or ready == "error":
        sys.exit(f"{url}: the page did not render its view ({ready})")
    return float(first), [float(x) for x in fetches]


def screenshots(browser, base: str, urls: dict[str, str], out: Path, problems: PageProblems) -> None:
    out.mkdir(parents=True, exist_ok=True)
    shots = [
        ("web-search.png", urls["keywords + 2 facets + dates"].replace("&since=2016-01-01&until=2017-12-31", ""), 1280, 900, None),
        ("web-article.png", urls["article"], 1280, 800, "#article button.mention"),
        ("web-entity.png", urls["entity page"], 1280, 900, None),
        ("web-phone.png", urls["keywords"], 390, 844, None),
    ]
    for name, url, width, height, click in shots:
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        page = problems.watch(context.new_page())
        page.goto(url)
        page.wait_for_selector("body[data-renders]", state="attached", timeout=30_000)
        if click:
            page.locator(click).nth(1).click()
            page.locator("#mention-card .desc").filter(has_not_text="…").wait_for()
        page.screenshot(path=str(out / name))
        context.close()
        print(f"saved {out / name} ({(out / name).stat().st_size // 1024} KB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="newsarticles2017", help="a corpus name under ../shared/corpora")
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("NEWSLINK_BENCH_HOME", Path(tempfile.gettempdir()) / "newslink-bench-web")))
    parser.add_argument("--limit", type=int, default=0, help="Index only the first N articles (0: all).")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--screenshots", type=Path, help="Also save the main views as PNGs into this folder.")
    args = parser.parse_args()
    if (why := missing_browser()) is not None:
        print(f"SKIPPED: {why}")
        return
    corpus = corpus_file(args.corpus)
    args.home.mkdir(parents=True, exist_ok=True)
    os.environ.pop("NEWSLINK_HOME", None)  # the bench's --home wins
    documents = ensure_index(args.home, subset(corpus, args.limit, args.home) if args.limit else corpus, reindex=False)
    port = free_port()
    server = start_server(args.home, port)
    base = f"http://127.0.0.1:{port}"
    problems = PageProblems()
    results: dict[str, list[float]] = {}
    fetch_ms: list[float] = []
    try:
        urls = views(base)
        with chromium() as browser:
            measure(browser, urls["all articles"], problems)  # warm the server (first KB and index reads)
            for _ in range(args.rounds):
                for name, url in urls.items():
                    first, fetches = measure(browser, url, problems)
                    results.setdefault(name, []).append(first)
                    fetch_ms += fetches
            if args.screenshots:
                screenshots(browser, base, urls, args.screenshots, problems)
    finally:
        server.terminate()
        server.wait(10)
    print(f"\n{documents:,} documents, {args.rounds} rounds, a fresh browser context each (ms from navigation start to the view drawn)")
    print(f"{'view':<30}{'median':>9}{'p90':>9}{'max':>9}")
    for name, values in results.items():
        print(f"{name:<30}{statistics.median(values):>9.0f}{percentile(values, 90):>9.0f}{max(values):>9.0f}")
    if problems.items:
        print("page problems:", *problems.items, sep="\n  ")
    every = [v for values in results.values() for v in values]
    print(json.dumps({
        "documents": documents, "rounds": args.rounds,
        "first_render_median_ms": round(statistics.median(every), 1), "first_render_p90_ms": round(percentile(every, 90), 1),
        "first_render_max_ms": round(max(every), 1), "search_fetch_median_ms": round(statistics.median(fetch_ms), 1) if fetch_ms else None,
        "page_problems": len(problems.items),
    }))


if __name__ == "__main__":
    main()
