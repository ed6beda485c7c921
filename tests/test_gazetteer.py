"""The KB gazetteer (a trie index beside the KB, memory-mapped): the same matches as
spaCy's PhraseMatcher over the same surface forms, and one index per KB, reused."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from newslink.indexer import gazetteer as gz
from newslink.indexer.gazetteer import GAZETTEER_KEY, Gazetteer, build_trie, pattern_keys, pattern_surfaces

from conftest import DATA

TRICKY = [
    "New York", "New York City", "York City", "City", "Patriot missile", "Shahed", "U.S.", "U.S.-led",
    "al-Qaeda", "AT&T", "Hamas", "Gaza Strip", "Strip", "Donald Trump", "Trump", "Kim Jong Un", "Jong",
    "Washington, D.C.", "Mr. Smith", "Sinn Féin", "São Paulo", "e-mail", "New  York",
]
TEXTS = [
    "NEW YORK (Reuters) - New York City police said the U.S.-led coalition fired Patriot missiles at Shahed drones.",
    "In New York City, York City fans met; the Gaza Strip and the Strip; Kim Jong Un met Donald Trump. Trump said.",
    "WASHINGTON, D.C. and Washington, D.C. — Mr. Smith of AT&T e-mailed al-Qaeda about Sinn Féin in São Paulo.",
    "New  York with two spaces, New\nYork across a line, a token with a \x1f separator: New\x1fYork City.",
    "",
    "City City City New York New York City York",
]


def reference(nlp, surfaces, text: str) -> list[tuple[int, int]]:
    """What newslink's gazetteer was until issue 16: a PhraseMatcher on ORTH + filter_spans."""
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    matcher.add(GAZETTEER_KEY, [nlp.make_doc(s) for s in sorted(surfaces)])
    return [(s.start, s.end) for s in filter_spans(matcher(nlp.make_doc(text), as_spans=True))]


def found(gazetteer: Gazetteer, nlp, text: str) -> list[tuple[int, int]]:
    doc = gazetteer(nlp.make_doc(text))
    return [(s.start, s.end) for s in doc.spans[GAZETTEER_KEY]]


def test_same_matches_as_a_phrasematcher_on_tricky_surfaces() -> None:
    nlp = spacy.blank("en")
    rows = [(s, "Q1", "weapon" if "missile" in s or s == "Shahed" else "org", "label") for s in TRICKY]
    surfaces = set(pattern_surfaces(rows))
    assert {"Patriot missiles", "Shaheds", "NEW YORK", "WASHINGTON, D.C."} <= surfaces
    gazetteer = Gazetteer(build_trie(pattern_keys(surfaces, nlp.tokenizer)))
    for text in TEXTS:
        assert found(gazetteer, nlp, text) == reference(nlp, surfaces, text), text
    doc = gazetteer(nlp.make_doc(TEXTS[0]))
    assert [s.text for s in doc.spans[GAZETTEER_KEY]][:3] == ["NEW YORK", "New York City", "U.S.-led"]
    assert all(s.label_ == GAZETTEER_KEY for s in doc.spans[GAZETTEER_KEY])


def test_the_pipeline_gazetteer_matches_a_phrasematcher_over_the_kb(pipeline, kb) -> None:
    nlp = pipeline.nlp
    assert nlp.pipe_names[-1] == "newslink_gazetteer"
    surfaces = set(pattern_surfaces(kb.iter_aliases()))
    texts = [json.loads(line)["text"] for line in (DATA / "articles.jsonl").open(encoding="utf-8")] + TEXTS
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    matcher.add(GAZETTEER_KEY, [nlp.make_doc(s) for s in sorted(surfaces)])
    total = 0
    for text in texts:
        want = [(s.start, s.end) for s in filter_spans(matcher(nlp.make_doc(text), as_spans=True))]
        doc = nlp(text)
        got = [(s.start, s.end) for s in doc.spans[GAZETTEER_KEY]]
        assert got == want, text[:80]
        total += len(got)
    assert total > 20  # the KB's names were found, not just nothing on both sides


def test_an_index_is_built_once_per_kb_and_replaced_when_the_kb_is(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    kb_file = tmp_path / "kb.sqlite"
    kb_file.write_bytes(b"one")
    calls: list[int] = []

    def surfaces():
        calls.append(1)
        return ["New York", "Gaza Strip"]

    fp1 = gz.index_fingerprint(kb_file, "v1", "tok")
    first = gz.ensure_index(kb_file, fp1, surfaces, nlp.tokenizer)
    again = gz.ensure_index(kb_file, fp1, surfaces, nlp.tokenizer)
    assert first == again and first.parent == tmp_path and len(calls) == 1
    assert found(Gazetteer(gz.open_index(first)), nlp, "to New York and the Gaza Strip") == [(1, 3), (5, 7)]

    kb_file.write_bytes(b"a rebuilt KB")  # another size and mtime: another fingerprint
    fp2 = gz.index_fingerprint(kb_file, "v2", "tok")
    assert fp2 != fp1
    second = gz.ensure_index(kb_file, fp2, surfaces, nlp.tokenizer)
    assert second != first and len(calls) == 2
    assert not first.exists()  # the old KB's index is gone
    assert sorted(p.name for p in tmp_path.glob(".kb.sqlite.gazetteer-*.marisa")) == [second.name]


def test_an_unwritable_kb_folder_puts_the_index_in_a_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = spacy.blank("en")
    kb_file = tmp_path / "kb.sqlite"
    kb_file.write_bytes(b"kb")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(gz, "index_locations", lambda _kb: [blocked / "sub", tmp_path / "fallback"])
    path = gz.ensure_index(kb_file, gz.index_fingerprint(kb_file, "v", "tok"), lambda: ["Hamas"], nlp.tokenizer)
    assert path.parent == tmp_path / "fallback"
    assert found(Gazetteer(gz.open_index(path)), nlp, "Hamas said") == [(0, 1)]
    # another read-only KB of the same file name shares the folder without removing that index
    other = tmp_path / "elsewhere" / "kb.sqlite"
    other.parent.mkdir()
    other.write_bytes(b"another kb")
    second = gz.ensure_index(other, gz.index_fingerprint(other, "v", "tok"), lambda: ["Gaza"], nlp.tokenizer)
    assert second.parent == tmp_path / "fallback" and second != path and path.exists()

    monkeypatch.setattr(gz, "index_locations", lambda _kb: [blocked / "sub"])
    with pytest.raises(OSError, match="cannot write the gazetteer index"):
        gz.ensure_index(kb_file, "other", lambda: ["Hamas"], nlp.tokenizer)


def test_an_empty_kb_matches_nothing() -> None:
    nlp = spacy.blank("en")
    gazetteer = Gazetteer(build_trie(pattern_keys([], nlp.tokenizer)))
    assert found(gazetteer, nlp, "New York") == []


def test_keys_tokenized_in_batches_are_those_of_one_pass_and_leave_no_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a memory zone each (a Wikidata-sized KB's names would stay in the vocabulary):
    the same keys, a batch of surfaces holding only the separator no end of the stream."""
    nlp = spacy.blank("en")
    monkeypatch.setattr(gz, "TOKENIZE_BATCH", 2)
    surfaces = ["New York", "Gaza Strip", "a\x1fb", "c\x1ed", "U.S.-led", "New York", "Zorblax9 Quux-Fnordish", ""]
    got = list(pattern_keys(surfaces, nlp.tokenizer))
    assert "Zorblax9" not in nlp.vocab.strings and "Quux" not in nlp.vocab.strings  # freed with the zone
    expected = [gz.SEP.join(t.text for t in nlp.make_doc(s)) for s in surfaces if s and "\x1f" not in s and "\x1e" not in s]
    assert got == expected and len(got) == 5
    assert "Zorblax9" in nlp.vocab.strings  # what a tokenizer outside a zone keeps


def test_the_trie_is_the_one_a_set_of_the_keys_gives_byte_for_byte() -> None:
    """Keys made unique in a temp SQLite file, not a Python set: the same index file."""
    import marisa_trie

    nlp = spacy.blank("en")
    names = [f"{first} {last}" for first in ("John", "Mary", "Li", "José") for last in ("Smith", "Ng", "O'Brien", "Müller-Lüdenscheidt")]
    rows = [(s, "Q1", "weapon" if "missile" in s else "person", "label") for s in [*TRICKY, *names, *names]]
    keys = list(pattern_keys(pattern_surfaces(rows), nlp.tokenizer))
    assert len(keys) > len(set(keys)) > 50
    longest = max(k.count(gz.SEP) + 1 for k in keys)
    assert build_trie(keys).tobytes() == marisa_trie.Trie({*keys, f"{gz._MAX_TOKENS}{longest}"}).tobytes()
    assert build_trie([]).tobytes() == marisa_trie.Trie([f"{gz._MAX_TOKENS}0"]).tobytes()
