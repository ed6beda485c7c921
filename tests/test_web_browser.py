"""The search page end to end, in a real headless Chromium (Debian's, driven by Playwright)
against the real API served by uvicorn on 127.0.0.1, over the test corpus indexed with the
real pipeline into a private data dir.

Every expectation is read from the JSON API the page is a client of (the same query asked
directly), so the tests check that the page shows what the API answers, not fixed numbers.
Every test also fails on a console error, an uncaught exception, a failed request or an
HTTP error of any request the page made.

Skipped, with the reason, when /usr/bin/chromium or playwright is absent (the core suite
needs neither); ``.ci/run`` installs both, so CI runs them.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from conftest import REPO, api_app, fill_home
from web_browser import PageProblems, chromium, missing_browser, serve

pytestmark = [pytest.mark.browser, pytest.mark.skipif(missing_browser() is not None, reason=f"browser tests: {missing_browser()}")]

COPIES = 2  # each test article is indexed 1 + COPIES times, dated a year earlier per copy: enough hits for two pages


@pytest.fixture(scope="module")
def web_home(tmp_path_factory: pytest.TempPathFactory, kb, pipeline, corpus_docs: list[dict]) -> Path:
    """The test corpus and the example article (more countries than a facet panel shows), plus
    dated copies of them (more hits than a page shows)."""
    from newslink.indexer.document import build_document
    from newslink.indexer.readers import read_paths

    originals = list(corpus_docs)
    for article, _problems in read_paths([REPO / "examples"]):
        assert article is not None
        originals.append(build_document(article, pipeline.link_text(article.body_for_nlp), pipeline.kb.version))
    docs = list(originals)
    for i in range(1, COPIES + 1):
        for doc in originals:
            published = doc.get("published")
            if published:
                published = f"{int(published[:4]) - i:04d}{published[4:]}"
            docs.append({**doc, "id": f"{doc['id']}-copy{i}", "published": published})
    return fill_home(tmp_path_factory.mktemp("web-home"), kb, docs)


@pytest.fixture(scope="module")
def base_url(web_home: Path):
    with api_app(web_home) as app, serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture()
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture()
def page(browser, problems: PageProblems):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = problems.watch(context.new_page())
    p.set_default_timeout(15_000)
    yield p
    context.close()
    assert problems.items == [], problems.items


@pytest.fixture()
def api(base_url: str):
    with httpx.Client(base_url=base_url) as client:
        def get(path: str, **params):
            resp = client.get(path, params=params)
            assert resp.status_code == 200, resp.text
            return resp.json()
        yield get


# ------------------------------------------------------------------ helpers
def renders(page) -> int:
    return int(page.evaluate("document.body.dataset.renders || '0'"))


def settle(page, before: int, view: str = "search") -> None:
    """Wait until the page rendered again (after an action) and shows ``view``."""
    # A selector, not wait_for_function: the page's CSP forbids the eval the latter needs.
    page.wait_for_selector(f'body[data-renders]:not([data-renders="{before}"])', state="attached")
    assert page.evaluate("document.body.dataset.ready") == view


def open_page(page, url: str, view: str = "search") -> None:
    page.goto(url)
    page.wait_for_selector("body[data-renders]", state="attached")
    assert page.evaluate("document.body.dataset.ready") == view


def act(page, action, view: str = "search") -> None:
    before = renders(page)
    action()
    settle(page, before, view)


def url_params(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def shown_ids(page) -> list[str]:
    hrefs = page.locator("#results .hit h3 a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    return [parse_qs(urlsplit(h).query)["article"][0] for h in hrefs]


def api_ids(api, **params) -> tuple[int, list[str]]:
    data = api("/search", size=10, facets="", **params)
    return data["total"], [h["id"] for h in data["hits"]]


def heading_total(page) -> int:
    text = page.locator("#results-heading").inner_text()
    m = re.match(r"([\d,]+) articles?", text)
    return int(m.group(1).replace(",", "")) if m else 0


# ------------------------------------------------------------------ tests
def test_a_typed_query_shows_the_apis_hits_highlighted(page, base_url, api):
    open_page(page, base_url + "/")
    act(page, lambda: (page.fill("#q", "drones"), page.press("#q", "Enter")))
    assert url_params(page)["q"] == ["drones"]
    total, ids = api_ids(api, q="drones")
    assert total > 0
    assert heading_total(page) == total
    assert shown_ids(page) == ids
    marks = page.locator("#results mark").all_inner_texts()
    assert marks and all(m.lower().startswith("drone") for m in marks)
    # each hit lists its entities as links to their entity pages
    assert page.locator("#results .hit").first.locator(".tags a").count() > 0
    # and every match downloads from the API's /export with the same query
    href = page.locator("#export a", has_text="CSV").get_attribute("href")
    export = httpx.get(base_url + href)
    assert export.status_code == 200 and int(export.headers["x-total-count"]) == total


def test_an_autocomplete_suggestion_becomes_a_filter_chip(page, base_url, api):
    open_page(page, base_url + "/")
    page.locator("#q").press_sequentially("drones netan", delay=30)
    option = page.locator('#suggestions[data-prefix="netan"] [role=option]').first  # not a list for "ne" or "net"
    option.wait_for()
    completion = api("/entities", prefix="netan", limit=8)["entities"][0]
    assert completion["label"] in option.inner_text()
    assert completion["description"] and completion["description"] in option.inner_text()
    assert page.locator("#q").get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert page.locator("#q").get_attribute("aria-activedescendant") == "sugg-0"
    act(page, lambda: page.keyboard.press("Enter"))
    params = url_params(page)
    assert params[completion["type"]] == [completion["qid"]]
    assert params["q"] == ["drones"]  # the typed name became the chip, not query text
    assert page.locator("#q").input_value() == "drones"
    chip = page.locator("#chips .chip", has_text=completion["label"])
    assert chip.count() == 1
    total, ids = api_ids(api, q="drones", **{completion["type"]: completion["qid"]})
    assert heading_total(page) == total and shown_ids(page) == ids
    assert page.locator("#suggestions").is_hidden()


def test_facet_values_select_any_of_and_clear(page, base_url, api):
    open_page(page, base_url + "/")
    countries = api("/search", size=0, facets="country", facet_size=9)["facets"]["country"]
    first, second = countries[0], countries[1]
    box = page.locator(f'#facets input[data-type=country][data-value="{first["qid"]}"]')
    act(page, lambda: box.check())
    assert url_params(page)["country"] == [first["qid"]]
    assert heading_total(page) == api("/search", country=first["qid"], size=0)["total"]
    assert page.locator(f'#facets input[data-value="{first["qid"]}"]').is_checked()
    # a second value of the same type: any of them (the API's default), counted multi-select
    act(page, lambda: page.locator(f'#facets input[data-type=country][data-value="{second["qid"]}"]').check())
    both = api("/search", country=[first["qid"], second["qid"]], size=0, facets="country")
    assert heading_total(page) == both["total"]
    counts = {b["qid"]: b["count"] for b in both["facets"]["country"]}
    shown = page.locator(f'#facets input[data-value="{first["qid"]}"]').locator("xpath=..").locator(".count").inner_text()
    assert int(shown.replace(",", "")) == counts[first["qid"]]
    assert page.locator("#chips .chip.t-country").count() == 2
    # "all of them" narrows
    act(page, lambda: page.select_option("#match", "all"))
    assert heading_total(page) == api("/search", country=[first["qid"], second["qid"]], match="all", size=0)["total"]
    # removing a chip and unchecking a box both clear a value
    act(page, lambda: page.locator("#chips .chip.t-country", has_text=second["label"]).click())
    assert url_params(page)["country"] == [first["qid"]]
    act(page, lambda: page.locator(f'#facets input[data-value="{first["qid"]}"]').uncheck())
    assert "country" not in url_params(page)
    assert heading_total(page) == api("/search", size=0)["total"]
    assert page.locator("#chips .chip").count() == 0


def test_show_more_lists_more_facet_values(page, base_url, api):
    open_page(page, base_url + "/")
    facets = api("/search", size=0, facets="person,country,place,org,weapon,source", facet_size=50)["facets"]
    names = {"person": "people", "country": "countries", "place": "places", "org": "organizations", "weapon": "weapons", "source": "sources"}
    longer = [t for t in names if len(facets[t]) > page.locator(f"#facets input[data-type={t}]").count()]
    assert longer, "the test corpus should have a facet with more values than a panel shows"
    type_ = longer[0]
    act(page, lambda: page.get_by_role("button", name=f"Show more {names[type_]}").click())
    assert page.locator(f"#facets input[data-type={type_}]").count() == len(facets[type_])
    assert url_params(page)["more"] == [type_]
    act(page, lambda: page.get_by_role("button", name="Show fewer").click())
    assert "more" not in url_params(page)


def test_dates_filter_from_the_inputs_and_the_timeline(page, base_url, api):
    open_page(page, base_url + "/")
    page.fill("#since", "2024-01-01")
    page.fill("#until", "2024-12-31")
    act(page, lambda: page.click("#apply-dates"))
    assert url_params(page)["since"] == ["2024-01-01"]
    assert heading_total(page) == api("/search", since="2024-01-01", until="2024-12-31", size=0)["total"] > 0
    assert page.locator("#chips .chip.t-date").count() == 1
    act(page, lambda: page.click("#clear-dates"))
    assert "since" not in url_params(page)
    # the timeline: one bar per period of the API's histogram; a bar keeps only its period
    hist = api("/search", size=0, histogram="auto")["histogram"]
    bars = page.locator("#timeline .bars button")
    assert bars.count() == len(hist["buckets"])
    busiest = max(range(len(hist["buckets"])), key=lambda i: hist["buckets"][i]["count"])
    act(page, lambda: bars.nth(busiest).click())
    params = url_params(page)
    assert params["since"] == [hist["buckets"][busiest]["key"]]
    assert heading_total(page) == api("/search", since=params["since"][0], until=params["until"][0], size=0)["total"] == hist["buckets"][busiest]["count"]
    assert page.locator("#timeline .bars button.sel").count() >= 1


def test_pages_follow_the_api(page, base_url, api):
    open_page(page, base_url + "/")
    total, first = api_ids(api)
    assert total > 10, "the test index should hold more than one page"
    assert shown_ids(page) == first
    act(page, lambda: page.click("#pager a[rel=next]"))
    assert url_params(page)["page"] == ["2"]
    assert shown_ids(page) == api_ids(api, page=2)[1]


def test_an_article_shows_its_mentions_underlined_by_type(page, base_url, api):
    open_page(page, base_url + "/?q=drones")
    first = page.locator("#results .hit h3 a").first
    article_id = parse_qs(urlsplit(first.get_attribute("href")).query)["article"][0]
    act(page, lambda: first.click(), view="article")
    data = api(f"/articles/{article_id}")
    linked = [m for m in data["mentions"] if m["qid"]]
    buttons = page.locator("#article button.mention")
    assert buttons.count() == len(linked) > 0
    assert sorted(buttons.all_inner_texts()) == sorted(m["text"] for m in linked)
    assert page.locator("#article span.mention.nil").count() == len(data["mentions"]) - len(linked)
    # underlined, in the colour of its type
    style = buttons.first.evaluate("b => [getComputedStyle(b).textDecorationLine, getComputedStyle(b).textDecorationColor]")
    assert "underline" in style[0]
    person = page.locator("#article button.mention.t-person").first
    country = page.locator("#article button.mention.t-country").first
    if person.count() and country.count():
        colour = lambda b: b.evaluate("b => getComputedStyle(b).textDecorationColor")  # noqa: E731
        assert colour(person) != colour(country)
    # clicking one shows the entity: label, description, QID linked to Wikidata, confidence
    mention = linked[0]
    buttons.first.click()
    card = page.locator("#mention-card")
    entity = api(f"/entities/{mention['qid']}")
    card.get_by_text(entity["description"]).wait_for()
    assert mention["label"] in card.inner_text()
    assert card.locator(f'a[href="https://www.wikidata.org/wiki/{mention["qid"]}"]').count() == 1
    assert f"{mention['confidence']:.2f}" in card.inner_text()
    assert buttons.first.get_attribute("aria-expanded") == "true"


def test_an_entity_page_shows_the_entity_its_articles_and_company(page, base_url, api):
    open_page(page, base_url + "/?article=t-1", view="article")
    qid = page.locator("#article button.mention").first.get_attribute("data-qid")
    page.locator("#article button.mention").first.click()
    act(page, lambda: page.locator("#mention-card").get_by_role("link", name="Entity page").click(), view="entity")
    entity = api(f"/entities/{qid}")
    head = page.locator("#entity-head")
    assert head.locator("h1").inner_text() == entity["label"]
    assert entity["description"] in head.inner_text()
    assert head.locator(f'a[href="https://www.wikidata.org/wiki/{qid}"]').count() == 1
    assert f"{entity['articles']} article" in head.inner_text()
    for alias in entity["aliases"][:3]:
        assert alias in head.inner_text()
    latest = api("/search", size=10, sort="newest", facets="", **{entity["type"]: qid})
    ids = page.locator("#entity-latest .hit h3 a").evaluate_all("els => els.map(a => new URL(a.href).searchParams.get('article'))")
    assert ids == [h["id"] for h in latest["hits"]]
    related = api(f"/entities/{qid}/related", size=8)["related"]
    names = [r["label"] for t in related.values() for r in t]
    assert page.locator("#entity-related li").all_inner_texts() and all(
        any(text.startswith(n) for n in names) for text in page.locator("#entity-related li").all_inner_texts())
    # its article count links to a search filtered by it
    act(page, lambda: head.get_by_role("link", name=re.compile(r"\d+ articles?")).click())
    assert url_params(page)[entity["type"]] == [qid]
    assert heading_total(page) == entity["articles"]


def test_a_shared_url_restores_the_state_and_back_returns(page, browser, base_url, api, problems):
    open_page(page, base_url + "/")
    act(page, lambda: (page.fill("#q", "Iran"), page.press("#q", "Enter")))
    after_query = page.url
    top = api("/search", q="Iran", size=0, facets="person")["facets"]["person"][0]
    act(page, lambda: page.locator(f'#facets input[data-type=person][data-value="{top["qid"]}"]').check())
    act(page, lambda: page.select_option("#sort", "oldest"))
    shared = page.url
    export = httpx.get(base_url + page.locator("#export a", has_text="JSONL").get_attribute("href"))  # sort is not an export parameter
    assert export.status_code == 200 and int(export.headers["x-total-count"]) == heading_total(page)
    state = {
        "ids": shown_ids(page), "chips": page.locator("#chips .chip").all_inner_texts(),
        "checked": page.locator("#facets input:checked").evaluate_all("els => els.map(e => e.dataset.value)"),
        "q": page.locator("#q").input_value(), "sort": page.locator("#sort").input_value(),
    }
    assert state["ids"] == api_ids(api, q="Iran", person=top["qid"], sort="oldest")[1]

    other = problems.watch(browser.new_context(viewport={"width": 1280, "height": 900}).new_page())
    open_page(other, shared)
    assert {
        "ids": shown_ids(other), "chips": other.locator("#chips .chip").all_inner_texts(),
        "checked": other.locator("#facets input:checked").evaluate_all("els => els.map(e => e.dataset.value)"),
        "q": other.locator("#q").input_value(), "sort": other.locator("#sort").input_value(),
    } == state
    other.context.close()

    # back: the previous state (before the sort, then before the facet), and forward again
    act(page, lambda: page.go_back())
    assert page.locator("#sort").input_value() == "relevance"
    act(page, lambda: page.go_back())
    assert page.url == after_query
    assert shown_ids(page) == api_ids(api, q="Iran")[1]
    assert page.locator("#chips .chip").count() == 0
    act(page, lambda: page.go_forward())
    assert page.locator("#chips .chip").count() >= 1
    # from an article, back returns to the results
    act(page, lambda: page.locator("#results .hit h3 a").first.click(), view="article")
    act(page, lambda: page.go_back())
    assert shown_ids(page) == api_ids(api, q="Iran", person=top["qid"])[1]


def test_keyboard_only_search(page, base_url, api):
    open_page(page, base_url + "/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the home link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("Iran")
    act(page, lambda: page.keyboard.press("Enter"))
    assert heading_total(page) == api("/search", q="Iran", size=0)["total"]
    assert page.locator("#suggestions").is_hidden()


def test_phone_width_fits_and_folds_the_filters(browser, base_url, problems):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = problems.watch(context.new_page())
    open_page(page, base_url + "/?q=drones")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#filters").evaluate("d => d.open") is False
    assert page.locator("#results .hit").count() > 0
    page.locator("#filters > summary").click()
    assert page.locator("#facets input[data-type=country]").first.is_visible()
    open_page(page, base_url + "/?article=t-1", view="article")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
    assert problems.items == []


def test_article_text_is_never_markup(page, base_url):
    """A title or text holding HTML is shown as text (the fixture's articles are plain; this
    one is served by a route that stands in for the API)."""
    evil = '<img src=x onerror="window.pwned=1">Iran & <b>bold</b> <script>window.pwned=2</script>'
    body = {
        "id": "x", "title": evil, "text": evil, "published": None, "source": "<i>src</i>", "url": "javascript:alert(1)",
        "meta": {}, "entities": {}, "entity_list": [], "kb_version": None,
        "mentions": [{"field": "text", "start": 0, "end": 5, "text": evil[:5], "qid": "Q794", "label": "<b>Iran</b>",
                      "type": "country", "confidence": 0.9, "ner_label": "GPE", "method": "x"}],
    }
    page.route("**/articles/x", lambda route: route.fulfill(json=body))
    open_page(page, base_url + "/?article=x", view="article")
    assert page.locator("#article h1").inner_text() == evil
    assert page.locator("#article img, #article script, #article b, #article i").count() == 0
    assert page.evaluate("window.pwned") is None
    assert page.locator('#article a[href^="javascript:"]').count() == 0


def test_a_name_in_the_url_is_read_as_the_api_reads_it(page, base_url, api):
    """?person=Netanyahu (names work in the API) becomes the QID the API took it for, so its
    facet box and chip remove it."""
    qid = api("/search", person="Netanyahu", size=0)["query"]["filters"]["person"][0]
    open_page(page, base_url + "/?person=Netanyahu")
    assert url_params(page)["person"] == [qid]
    box = page.locator(f'#facets input[data-type=person][data-value="{qid}"]')
    assert box.is_checked()
    assert heading_total(page) == api("/search", person=qid, size=0)["total"]
    act(page, lambda: box.uncheck())
    assert "person" not in url_params(page)


def test_dragging_across_the_timeline_keeps_that_stretch(page, base_url, api):
    open_page(page, base_url + "/")
    hist = api("/search", size=0, histogram="auto")["histogram"]
    bars = page.locator("#timeline .bars button")
    first, last = 1, len(hist["buckets"]) - 2
    start, end = bars.nth(first).bounding_box(), bars.nth(last).bounding_box()

    def drag() -> None:
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] - 1)
        page.mouse.down()
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] - 1, steps=5)
        page.mouse.up()

    act(page, drag)
    params = url_params(page)
    assert params["since"] == [hist["buckets"][first]["key"]]
    until = params["until"][0]
    assert hist["buckets"][last]["key"] <= until < (hist["buckets"][last + 1]["key"])
    expected = sum(b["count"] for b in hist["buckets"][first:last + 1])
    assert heading_total(page) == expected == api("/search", since=params["since"][0], until=until, size=0)["total"]


def test_keyboard_users_keep_their_place_when_the_page_redraws(page, base_url, api):
    open_page(page, base_url + "/")
    country = api("/search", size=0, facets="country")["facets"]["country"][0]["qid"]
    box = page.locator(f'#facets input[data-type=country][data-value="{country}"]')
    box.focus()
    act(page, lambda: page.keyboard.press("Space"))
    assert url_params(page)["country"] == [country]
    assert page.evaluate("document.activeElement.dataset.focus") == f"facet:country:{country}"
    assert page.locator(f'#facets input[data-value="{country}"]').is_checked()
    # a removed chip takes the focus with it: it goes to the main region, not the document's top
    page.locator("#chips .chip.t-country").focus()
    act(page, lambda: page.keyboard.press("Enter"))
    assert "country" not in url_params(page)
    assert page.evaluate("document.activeElement.id") == "main"
    # following a link to another view focuses that view
    page.locator("#results .hit h3 a").first.focus()
    act(page, lambda: page.keyboard.press("Enter"), view="article")
    assert page.evaluate("document.activeElement.id") == "main"
