"""The native page highlighter (``native/``, module ``newslink_native``) answers as the Python one.

The embedded engine highlights a page natively when the extension is installed; its output must
be the Python path's byte for byte (which tests/test_ascii_snippet.py checks against tantivy), and
UNSURE wherever the Python marker is, so those texts still go to tantivy. Checked here piece by
piece (analysis, region, marker) and for whole pages, on generated texts and on the corpora's.
Every test needs the extension: skipped without it, failing under NEWSLINK_REQUIRE_NATIVE (CI).
"""
from __future__ import annotations

import gzip
import itertools
import json
import random
import re
from dataclasses import asdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newslink.search.engines import ascii_snippet, native_snippet, snippet_region
from newslink.search.engines.tantivy_query import analyzer
from newslink.search.query import SearchQuery

from conftest import SHARED, native_highlighter
from test_ascii_snippet import EXCEPTIONS, ROOTS, SUFFIXES

WIDTH = 240
ANALYSE = analyzer().analyze


@pytest.fixture(scope="module")
def native():
    return native_highlighter()


def _markers(terms: dict[str, int]) -> tuple[ascii_snippet.Marker, ascii_snippet.Marker, list[tuple[str, float]]]:
    """(text marker, title marker, snippet_region's wanted) for query terms with these doc freqs,
    as ``EmbeddedEngine._snippets`` makes them."""
    weights = {t: ascii_snippet.weight(df) for t, df in terms.items() if df > 0}
    wanted = snippet_region.needles((t, 1.0 / (1 + df)) for t, df in terms.items())
    return ascii_snippet.Marker(weights, ANALYSE, WIDTH), ascii_snippet.Marker(weights, ANALYSE, 1000), wanted


def _python_text(text: str, marker: ascii_snippet.Marker, wanted: list[tuple[str, float]]) -> object:
    """The Python path of one text up to where it would ask tantivy (then UNSURE)."""
    region = snippet_region.locate(text, wanted, WIDTH)
    html = marker.html(text if region is None else text[region[0]:region[1]])
    if html is None and region is not None:
        html = marker.html(text)
    return html


def _letters_beyond_ascii(text: str) -> bool:
    """Whether ``text`` has a letter or digit beyond ASCII: then the native marker says UNSURE too."""
    return any(not ch.isascii() and ch.isalnum() for ch in text)


def _same_page(native, terms: dict[str, int], texts: list[str], titles: list[str]) -> int:
    """The native page = the Python path on every ASCII text and title; UNSURE for those with letters
    beyond ASCII (the ones with only separators beyond ASCII are compared with tantivy by the engine
    tests below and tests/test_ascii_snippet.py); how many ASCII ones it marked."""
    text_marker, title_marker, wanted = _markers(terms)
    got_texts, got_titles = native_snippet.page(native, text_marker, title_marker, wanted, WIDTH)(texts, titles)
    marked = 0
    for text, got, python in [*((t, g, _python_text(t, text_marker, wanted)) for t, g in zip(texts, got_texts, strict=True)),
                              *((t, g, title_marker.html(t)) for t, g in zip(titles, got_titles, strict=True))]:
        if text.isascii():
            assert got == python, (terms, text)
            marked += isinstance(got, str)
        elif _letters_beyond_ascii(text):
            assert got is ascii_snippet.UNSURE, (terms, text)
    return marked


# ---------------------------------------------------------------------------- the pieces
def test_NEWSLINK_NATIVE_0_turns_the_extension_off(native, monkeypatch, embedded_engine) -> None:
    monkeypatch.delenv("NEWSLINK_NATIVE", raising=False)
    assert native_snippet.load() is native
    monkeypatch.setenv("NEWSLINK_NATIVE", "0")
    assert native_snippet.load() is None
    from newslink.search.engines.embedded import EmbeddedEngine

    engine = EmbeddedEngine(embedded_engine.root.parent.parent)
    try:
        assert engine.highlighter.startswith("python")
    finally:
        engine.close()
    assert embedded_engine.highlighter.startswith("native")  # made before: the extension


def test_a_build_that_stems_unlike_tantivy_is_not_used(native) -> None:
    class OldStems:  # an extension built against another tantivy's stemmer (rust-stemmers: organization -> organ)
        __version__ = "0"
        Highlighter = native.Highlighter

        @staticmethod
        def analyse(word: str) -> str | None:
            return "organ" if word.startswith("organ") else native.analyse(word)

    class OldBuild:  # an extension built from an older checkout
        __version__ = "0.1.0"
        analyse = staticmethod(native.analyse)

    assert native_snippet.usable(native)
    with pytest.warns(UserWarning, match="stems organe, organization unlike the installed tantivy"):
        assert not native_snippet.usable(OldStems)
    with pytest.warns(UserWarning, match="0.1.0 lacks Highlighter"):
        assert not native_snippet.usable(OldBuild)


def test_a_words_analysis_is_tantivys(native) -> None:
    words = [r + s for r, s in itertools.product(ROOTS, SUFFIXES)] + [w.lower() for w in EXCEPTIONS]
    words += ["a", "1990s", "covid19", "x2", "0", *("y" * n for n in (38, 39, 40, 41, 60)), "abilities" * 5]
    for word in words:
        terms = ANALYSE(word)
        assert native.analyse(word) == (terms[0] if len(terms) == 1 else None), word


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=45))
def test_any_ascii_words_analysis_is_tantivys(native, word: str) -> None:
    terms = ANALYSE(word)
    assert native.analyse(word) == (terms[0] if len(terms) == 1 else None)


WORDS = ["The", "oil", "Oil", "OILS", "oiled", "oily", "prices", "price", "pricing", "treaty", "treaties", "cities", "city",
         "agreed", "a", "of", "2017", "bank", "bankrupt", "&", "<b>", "</b>", '"q"', "'s", "--", "\n", "  ", "U.S.", "e-mail",
         "x" * 39, "y" * 40, "z" * 41, "Zürich", "é", "\x00", "\x01", "oil&price", "<oil>", "'oil'", "…", "£5", "“oil”", "—"]
TERMS = ["oil", "price", "treati", "citi", "agre", "bank", "2017", "x" * 39, "a", "zurich"]


def _terms() -> st.SearchStrategy[dict[str, int]]:
    """Query terms with doc freqs: equal ones (ties), near ones (32-bit sums decide), absent ones (0)."""
    return st.dictionaries(st.sampled_from(TERMS), st.sampled_from([0, 3, 3, 1_000_000, 1_000_001, 7]), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=400), sep=st.sampled_from([" ", "", ",", " . "]), terms=_terms())
def test_the_region_is_snippet_regions(native, words: list[str], sep: str, terms: dict[str, int]) -> None:
    text = sep.join(words)
    _markers_, _title, wanted = _markers(terms)
    if _letters_beyond_ascii(text):
        with pytest.raises(ValueError):
            native.locate(text, wanted, WIDTH)
        return
    assert native.locate(text, wanted, WIDTH) == snippet_region.locate(text, wanted, WIDTH)  # in characters, as Python counts


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=300), sep=st.sampled_from([" ", "", ",", " . "]), terms=_terms())
def test_the_marker_is_the_python_markers(native, words: list[str], sep: str, terms: dict[str, int]) -> None:
    text = sep.join(words)
    for marker in _markers(terms)[:2]:
        got = native.mark([text], native_snippet.spec(marker), ascii_snippet.UNSURE)[0]
        if text.isascii() or _letters_beyond_ascii(text):
            assert got == marker.html(text)
        else:  # separators beyond ASCII: the Python marker asks tantivy, the native one answers (checked with tantivy elsewhere)
            assert marker.html(text) is ascii_snippet.UNSURE
            # ... unless a word tantivy drops (40 letters or more) may lie at a fragment's cut: UNSURE, as the Python marker says for ASCII
            assert got is not ascii_snippet.UNSURE or any(len(w) >= 40 for w in words)


def test_many_occurrences_ties_and_what_is_unsure(native) -> None:
    """Cases picked by hand: each answer checked against the Python marker, and what it must be."""
    text_marker, _title, _wanted = _markers({"oil": 3, "price": 3})
    spec = native_snippet.spec(text_marker)
    tie = "oil " + "filler " * 40 + "price " + "filler " * 40 + "oil"  # fragments with equal scores: the first
    cases = {
        "": None, "no such word": None, "Zürich oil": ascii_snippet.UNSURE, "oil " * 3000: None,
        "oil " * 58 + "y" * 45 + " oil": ascii_snippet.UNSURE, tie: None, '"oil" & <b>prices</b>': None,
    }
    got = native.mark(list(cases), spec, ascii_snippet.UNSURE)
    for (text, kind), answer in zip(cases.items(), got, strict=True):
        assert answer == text_marker.html(text), text[:60]
        if kind is not None:
            assert answer is kind
        else:
            assert isinstance(answer, str) or text in ("", "no such word")
    assert got[3].count("<b>oil</b>") == 60  # the first fragment (240 chars) of a text that is all one word
    assert got[5].startswith("<b>oil</b> filler") and "price" not in got[5]  # a tie: the earliest fragment
    assert got[6] == "&quot;<b>oil</b>&quot; &amp; &lt;b&gt;<b>prices</b>&lt;/b"  # escaped as tantivy does, up to the last word
    assert native.mark(["i b"], (["i"[:0]], {"i": 0.5}, WIDTH), ascii_snippet.UNSURE) == [ascii_snippet.UNSURE]  # an empty needle


# ---------------------------------------------------------------------------- whole pages
@settings(max_examples=120, deadline=None)
@given(pages=st.lists(st.lists(st.sampled_from(WORDS), max_size=250).map(" ".join), min_size=1, max_size=10),
       titles=st.lists(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join), min_size=10, max_size=10), terms=_terms())
def test_a_page_is_the_python_paths(native, pages: list[str], titles: list[str], terms: dict[str, int]) -> None:
    _same_page(native, terms, pages, titles[:len(pages)])


def test_search_results_are_the_same_with_either_highlighter(native, embedded_engine) -> None:
    """Through the engine, tantivy's fallback included (non-ASCII texts, a dropped word at a cut)."""
    rng = random.Random(22)
    docs = [{"id": str(i), "title": " ".join(rng.choices(WORDS[:20], k=6)),
             "text": " ".join(rng.choices(WORDS, k=rng.choice([5, 60, 400]))), "entities": {}} for i in range(60)]
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    compared = 0
    for text in ["oil prices", "treaty city agreed", "bank", '"oil prices"', "oil -bank", "title:oil", "zurich", "2017 oil", "a"]:
        query = SearchQuery(text=text, size=20)
        results = []
        for module in (native, None):
            embedded_engine.use_highlighter(module)
            results.append([asdict(h) for h in embedded_engine.search(query).hits])
        assert results[0] == results[1], text
        compared += len(results[0])
    assert compared > 100


def _corpus_texts(limit: int) -> list[tuple[str, str]]:
    """(title, text) of the first articles of each shared corpus (a skip when ../shared is absent)."""
    corpora = SHARED / "corpora"
    if not corpora.exists():
        pytest.skip(f"{corpora} not present (../shared is only on the project's machines)")
    out = []
    for path in sorted(corpora.glob("*/*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in itertools.islice(lines, limit):
                record = json.loads(line)
                out.append((str(record.get("title") or ""), str(record.get("text") or record.get("body") or "")))
    return out


def test_real_articles_are_highlighted_as_by_python(native, embedded_engine) -> None:
    """Real news texts, indexed, queried with words taken from them (one to three at once): the
    hits are the same with either highlighter (the Python path asks tantivy for the texts that are
    not ASCII), and the native one answered many texts and titles with typographic separators."""
    articles = _corpus_texts(120)
    docs = [{"id": str(k), "title": title, "text": text, "entities": {}} for k, (title, text) in enumerate(articles)]
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    rng = random.Random(7)
    words = re.findall(r"[A-Za-z]{3,}", " ".join(text for _title, text in articles[::7]))
    compared = beyond = 0
    for k in range(60):
        query = SearchQuery(text=" ".join(rng.sample(words, 1 + k % 3)), size=10)
        results = []
        for module in (native, None):
            embedded_engine.use_highlighter(module)
            results.append([asdict(h) for h in embedded_engine.search(query).hits])
        assert results[0] == results[1], query.text
        compared += len(results[0])
        s = embedded_engine._searcher()
        embedded_engine.use_highlighter(native)
        snippets = embedded_engine._snippets(s, query, embedded_engine.compiler.text(query.parsed))
        fields = [(d.get_first("text") or "", d.get_first("title") or "") for d in
                  (s.doc(a) for _score, a in s.search(embedded_engine.compiler.text(query.parsed), 10).hits)]
        texts_html, titles_html = snippets.page([t for t, _ in fields], [t for _, t in fields])
        beyond += sum(isinstance(h, str) and not t.isascii() for h, t in zip([*texts_html, *titles_html], [*(t for t, _ in fields), *(t for _, t in fields)]))
    assert compared > 300 and beyond > 20


def test_one_querys_highlighter_is_shared_by_threads(native) -> None:
    """The engine keeps a query's highlighter and the API's worker threads use it at once."""
    from concurrent.futures import ThreadPoolExecutor

    text_marker, title_marker, wanted = _markers({"oil": 3, "price": 7})
    page = native_snippet.page(native, text_marker, title_marker, wanted, WIDTH)
    texts = [" ".join(random.Random(k).choices([w for w in WORDS if w.isascii()], k=200)) for k in range(10)]
    expected = page(texts, texts)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: page(texts, texts), range(40)))
    assert answers == [expected] * 40 and any(isinstance(h, str) for h in expected[0])
