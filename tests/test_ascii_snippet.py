"""The ASCII highlighter gives tantivy's snippet HTML exactly (search/engines/ascii_snippet.py).

Two claims, each checked against tantivy itself: every word the project's analyzer maps to a
term starts with that term's needle (the words left unanalysed cannot match), and the HTML the
marker builds is the one tantivy's ``SnippetGenerator`` builds for the same text and query.
The HTML checks run twice: the Python marker, and the native one (``native/``, the
``highlighter`` fixture: skipped when not installed, failing under NEWSLINK_REQUIRE_NATIVE).
"""
from __future__ import annotations

import itertools

import pytest
import tantivy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newslink.search.engines import ascii_snippet, native_snippet
from newslink.search.engines.embedded import _generator, _marked
from newslink.search.engines.tantivy_query import analyzer
from newslink.search.query import SearchQuery

# Word starts and the suffixes the English (Porter2) stemmer rewrites, the words it treats
# as exceptions, and short words: every rule that writes letters the word did not have.
ROOTS = ["ab", "abil", "possib", "respons", "rel", "nation", "happ", "hop", "cr", "tr", "gener", "commun", "arsen",
         "organ", "electr", "secur", "presid", "min", "pric", "agr", "cit", "treat", "marke", "fl", "sp", "d", "l", "t", "v"]
SUFFIXES = ["", "e", "s", "es", "ed", "ing", "ingly", "edly", "eed", "eedly", "ly", "y", "ies", "ied", "ying", "ity", "ility", "ability",
            "ibility", "bility", "bly", "ably", "ibly", "ational", "tional", "ation", "ator", "ization", "izer", "iveness", "ivity", "fulness",
            "ousness", "ously", "ently", "ness", "ful", "fully", "lessly", "ment", "ement", "ence", "ency", "ance", "ancy", "ism", "alism",
            "ality", "ally", "ize", "alize", "ative", "ical", "icate", "icity", "ogy", "logy", "ogies", "ble", "able", "ible", "al", "er", "ic",
            "ant", "ent", "ous", "ive", "ion", "sion", "tion", "ll", "ss", "sses", "us", "at", "bl", "iz", "bb", "tt", "ee"]
EXCEPTIONS = ["skis", "skies", "sky", "dying", "lying", "tying", "vying", "idly", "gently", "ugly", "early", "only", "singly", "news",
              "howe", "atlas", "cosmos", "bias", "andes", "inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"]


def _terms(words: list[str]) -> list[str]:
    out = analyzer().analyze(" ".join(words))
    assert len(out) == len(words)
    return out


def test_every_word_starts_with_the_needle_of_its_term() -> None:
    words = [r + s for r, s in itertools.product(ROOTS, SUFFIXES)] + EXCEPTIONS + ["a", "i", "us", "e", "ie", "ble", "1990s", "covid19", "x2"]
    missed = [(w, t, ascii_snippet.needle(t)) for w, t in zip(words, _terms(words)) if not w.startswith(ascii_snippet.needle(t))]
    assert missed == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=16), min_size=1, max_size=40))
def test_any_ascii_word_starts_with_the_needle_of_its_term(words: list[str]) -> None:
    assert all(w.startswith(ascii_snippet.needle(t)) for w, t in zip(words, _terms(words)))


def test_the_weights_are_tantivys_32_bit_ones() -> None:
    assert ascii_snippet.weight(0) == 1.0
    assert ascii_snippet.weight(2) == pytest.approx(1 / 3) and ascii_snippet.weight(2) != 1 / 3  # rounded to 32 bits
    assert ascii_snippet.f32(ascii_snippet.weight(2)) == ascii_snippet.weight(2)


# ---------------------------------------------------------------------------- the HTML, against tantivy's generator
VOCAB = ["The", "oil", "Oil", "OILS", "oiled", "prices", "price", "priced", "pricing", "rose", "agreed", "agreement", "treaty",
         "treaties", "cities", "city", "ability", "able", "dying", "die", "a", "of", "in", "2017", "x" * 45, "&", "<b>", '"q"', "'s", "--", "...",
         "\n", "  ", "(", ")", "U.S.", "e-mail", "prime", "minister", "ministers", "Prime-Minister",
         "…", "£5", "’s", "—", "“oil”", "prices…", "€"]  # separators beyond ASCII: the native marker answers (in bytes)
QUERIES = ["oil prices", "treaty city agree", "ability dying", '"prime minister"', "oil -prices", "title:oil", "text:price", "a", "2017"]


class NativeMarker:
    """A Python marker's ``html`` / ``html_many``, answered by the extension (newslink_native.mark)."""

    def __init__(self, module, marker: ascii_snippet.Marker) -> None:
        self.module, self.spec = module, native_snippet.spec(marker)

    def html(self, text: str):
        return self.module.mark([text], self.spec, ascii_snippet.UNSURE)[0]

    def html_many(self, texts: list[str]):
        return self.module.mark(texts, self.spec, ascii_snippet.UNSURE)


def _marker(engine, marker: ascii_snippet.Marker):
    """``marker`` as the engine's highlighter runs it: itself, or the native one with its terms."""
    return marker if engine._native is None else NativeMarker(engine._native, marker)


@pytest.fixture()
def searcher(embedded_engine, highlighter):
    embedded_engine.use_highlighter(highlighter)
    docs = [{"id": str(i), "title": " ".join(VOCAB[i:i + 6]), "text": " ".join(VOCAB[i:] + VOCAB[:i]) * 3, "entities": {}} for i in range(len(VOCAB))]
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    return embedded_engine


def _compare(engine, query_text: str, texts: list[str]) -> tuple[int, int, int]:
    """(compared, marked, compared beyond ASCII) over ``texts``, as text and as title; fails on the
    first difference."""
    query = SearchQuery(text=query_text)
    s = engine._searcher()
    text_q = engine.compiler.text(query.parsed)
    snippets = engine._snippets(s, query, text_q)
    compared = marked = beyond = 0
    for field in ("text", "title"):
        generator = _generator(s, text_q, engine.schema, field)
        for text in texts:
            fast = _marker(engine, snippets.markers[field]).html(text)
            if fast is ascii_snippet.UNSURE:
                continue
            expected = _marked(generator.snippet_from_doc(tantivy.Document(**{field: text})))
            assert fast == expected, (query_text, field, text)
            compared += 1
            marked += expected is not None
            beyond += not text.isascii()
    return compared, marked, beyond


def test_the_marker_gives_tantivys_html_for_every_window(searcher) -> None:
    texts = [" ".join(VOCAB[i:] + VOCAB[:i]) * 3 for i in range(len(VOCAB))]
    windows = [t[a:a + n] for t in texts[:8] for a in range(0, 200, 23) for n in (60, 239, 240, 241, 400, 700)]
    totals = [_compare(searcher, q, windows) for q in QUERIES]
    assert sum(c for c, _m, _b in totals) > 1500 and sum(m for _c, m, _b in totals) > 500  # many texts compared, many of them marked
    if searcher._native is not None:  # the native marker answers for texts with separators beyond ASCII (…, £, ’) too
        assert sum(b for _c, _m, b in totals) > 500


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(VOCAB), min_size=0, max_size=120), query=st.sampled_from(QUERIES))
def test_the_marker_gives_tantivys_html_for_any_text(searcher, words: list[str], query: str) -> None:
    _compare(searcher, query, [" ".join(words), "".join(words), ",".join(words)])


def test_what_the_marker_cannot_answer_for_goes_to_tantivy(searcher) -> None:
    query = SearchQuery(text="oil")
    s = searcher._searcher()
    marker = _marker(searcher, searcher._snippets(s, query, searcher.compiler.text(query.parsed)).markers["text"])
    assert marker.html("Zürich oil") is ascii_snippet.UNSURE  # not ASCII: Unicode letters, accents folded
    assert marker.html("oil " * 58 + "y" * 45 + " oil") is ascii_snippet.UNSURE  # a dropped 45-letter word where a fragment is cut
    assert _compare(searcher, "oil", ["oil " * 70 + "y" * 45 + " oil"]) == (2, 2, 0)  # one inside a fragment changes nothing
    assert marker.html("no such word") is None
    assert _marker(searcher, ascii_snippet.Marker({"i": 0.5}, analyzer().analyze, 240)).html("i b") is ascii_snippet.UNSURE  # a term "i": any word could be it
    hit = searcher.search(SearchQuery(text="oil")).hits[0]  # and the engine still highlights through tantivy
    assert "<b>" in hit.snippet


# ---------------------------------------------------------------------------- a page of hits at once
SPECIAL = ["Zürich", "\x00", "\x01", "\x02", "oil\x00oil", "é", "q" * 41]  # not ASCII, the join and mark characters, a dropped word


def _many_against_tantivy(engine, query_text: str, texts: list[str]) -> int:
    """Marker.html_many over ``texts`` = tantivy's HTML of each text alone (UNSURE: what tantivy is
    asked for); returns how many were marked. Fails on the first difference."""
    query = SearchQuery(text=query_text)
    s = engine._searcher()
    text_q = engine.compiler.text(query.parsed)
    snippets = engine._snippets(s, query, text_q)
    marked = 0
    for field in ("text", "title"):
        generator = _generator(s, text_q, engine.schema, field)
        marker = _marker(engine, snippets.markers[field])
        for text, fast in zip(texts, marker.html_many(texts), strict=True):
            assert fast == marker.html(text), (query_text, field, texts)  # the same as one by one
            if fast is ascii_snippet.UNSURE:
                continue
            assert fast == _marked(generator.snippet_from_doc(tantivy.Document(**{field: text}))), (query_text, field, text)
            marked += fast is not None
    return marked


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(st.lists(st.sampled_from(VOCAB + SPECIAL), max_size=90).map(" ".join), min_size=1, max_size=10),
       query=st.sampled_from(QUERIES))
def test_a_page_of_texts_marked_together_is_marked_as_each_alone(searcher, pages: list[str], query: str) -> None:
    _many_against_tantivy(searcher, query, pages)


def test_a_page_mixing_short_long_and_unsure_texts(searcher) -> None:
    long = " ".join(VOCAB * 4)
    page = ["oil prices", "", long, "Zürich oil", "oil " * 70 + "y" * 45 + " oil", "a & b <oil>", long[100:], "no such word", "OIL!!"]
    assert _many_against_tantivy(searcher, "oil prices", page) >= 8  # titles and texts, short and long, escaped


def test_separators_beyond_ascii_count_in_bytes_as_tantivy_counts_them(searcher) -> None:
    """167 characters but 327 bytes: tantivy cuts its fragments by bytes. The Python marker leaves
    such a text to tantivy; the native one answers it, as tantivy would."""
    text = "oil " + "… " * 80 + "oil"
    assert _compare(searcher, "oil", [text, "“Oil” prices’ £5 — " * 30]) == ((0, 0, 0) if searcher._native is None else (4, 4, 4))
    if searcher._native is not None:
        query = SearchQuery(text="oil")
        marker = _marker(searcher, searcher._snippets(searcher._searcher(), query, searcher.compiler.text(query.parsed)).markers["text"])
        assert marker.html(text) == "<b>oil</b>"  # the first 240 bytes' fragment (up to its last word), not the whole text
