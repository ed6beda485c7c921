"""Inputs from an attack on the readers (issue 21, items 4-7; issue 20, items 8-10):
each one used to cost good records or drown the user in messages."""
from __future__ import annotations

import codecs
import gzip
import json
import random
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from newslink.indexer.document import build_document
from newslink.indexer.kb import KnowledgeBase
from newslink.indexer.readers import MAX_TXT_BYTES
from newslink.indexer.records import MAX_TEXT_CHARS
from newslink.search.api import create_app
from newslink.search.engines.embedded import EmbeddedEngine

from conftest import read_all


def _utf16(text: str) -> bytes:
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le", "surrogatepass")


def test_utf16_jsonl_with_a_lone_surrogate_early_is_still_utf16(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "u1", "title": "Iran \ud800 talks", "text": "Talks in Geneva."}, ensure_ascii=False),
        json.dumps({"id": "u2", "title": "Second", "text": "Two"}),
        json.dumps({"id": "u3", "title": "Third", "text": "Three"}),
    ]
    path = tmp_path / "wide.jsonl"
    path.write_bytes(_utf16("\n".join(lines) + "\n"))
    articles, problems = read_all([path])
    assert [a.id for a in articles] == ["u1", "u2", "u3"]
    assert articles[0].title == "Iran \ufffd talks"
    assert [(p.line, p.fatal) for p in problems] == [(1, False)] and "surrogate" in problems[0].message


def test_utf16_txt_with_a_bom_is_text_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes(_utf16("Iran talks resume\r\nDiplomats met in Geneva on Monday.\r\n"))
    [article], problems = read_all([path])
    assert problems == []
    assert (article.title, article.text) == ("Iran talks resume", "Diplomats met in Geneva on Monday.")


def test_csv_unterminated_quote_costs_only_its_own_row_and_refeeds(tmp_path: Path) -> None:
    src = tmp_path / "rows.csv"
    src.write_text(
        'id,title,text\n'
        'c1,"Broken title,text one\n'
        'c2,Second,Body two\n'
        'c3,Third,"a body\nof two lines"\n'
        'c4,Fourth,Body four\n',
        encoding="utf-8",
    )
    articles, problems = read_all([src])
    assert [a.id for a in articles] == ["c2", "c3", "c4"]
    assert articles[1].text == "a body\nof two lines"
    [bad] = problems
    assert (bad.line, bad.fatal) == (2, True) and "unterminated quote" in bad.message
    entry = json.loads(bad.dead_letter_line())
    assert entry["record"] == 'c1,"Broken title,text one\n'  # its own row, not the rows after it

    entry["record"] = 'c1,"Fixed title",text one\n'
    dead = tmp_path / "dead.jsonl"
    dead.write_text(json.dumps(entry) + "\n")
    articles, problems = read_all([dead])
    assert problems == [] and [(a.id, a.title) for a in articles] == [("c1", "Fixed title")]


def test_a_dead_letter_entry_of_several_csv_rows_is_refused_not_cut_to_one(tmp_path: Path) -> None:
    entry = {"newslink_dead_letter": 1, "path": "x.csv", "line": 2, "error": "e", "format": "csv", "header": ["id", "title", "text"],
             "record": "a,A,one\nb,B,two\n"}
    dead = tmp_path / "dead.jsonl"
    dead.write_text(json.dumps(entry) + "\n")
    articles, problems = read_all([dead])
    assert articles == [] and len(problems) == 1 and "2 CSV rows" in problems[0].message


def test_headerless_csv_is_said_once(tmp_path: Path) -> None:
    path = tmp_path / "nohead.csv"
    path.write_text("".join(f"r{i},Iran talks day {i},Diplomats met again,2024-01-0{i}\n" for i in range(1, 8)))
    articles, problems = read_all([path])
    assert articles == []
    [problem] = problems
    assert (problem.line, problem.fatal) == (1, True) and "no header row" in problem.message


def test_csv_header_names_match_without_regard_to_case(tmp_path: Path) -> None:
    path = tmp_path / "caps.csv"
    path.write_text("ID,Title,Text\nk1,Iran,Talks\n")
    [article], problems = read_all([path])
    assert problems == [] and (article.id, article.title, article.text) == ("k1", "Iran", "Talks")


def test_binary_data_is_rejected_once_per_file_whatever_its_name(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(40_000)
    names = ["noise.jsonl", "noise.csv", "noise.tsv", "noise.txt", "noise.ndjson"]
    for name in names:
        (tmp_path / name).write_bytes(noise)
    (tmp_path / "noise.jsonl.gz").write_bytes(gzip.compress(noise))
    articles, problems = read_all([tmp_path / n for n in names + ["noise.jsonl.gz"]])
    assert articles == []
    assert sorted((Path(p.path).name, p.line, p.fatal, p.message) for p in problems) == sorted(
        (n, None, True, "binary data, not text: not read") for n in names + ["noise.jsonl.gz"]
    )


def test_a_huge_one_line_txt_keeps_its_text_cut_with_a_warning(tmp_path: Path) -> None:
    sentence = "Iran and Israel held talks in Geneva. "
    path = tmp_path / "one-line.txt"
    with path.open("w") as out:
        for _ in range(MAX_TXT_BYTES // len(sentence) + 1000):
            out.write(sentence)
    [article], problems = read_all([path])
    assert len(article.text) == MAX_TEXT_CHARS and article.text.startswith(sentence.strip())
    assert article.title.startswith("Iran and Israel held talks")
    messages = " | ".join(p.message for p in problems)
    assert all(not p.fatal for p in problems) and "cut to 200,000" in messages and "only its beginning read" in messages


def test_an_id_with_a_line_break_is_normalised_and_can_be_fetched(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text(json.dumps({"id": "wire\n2024/07\r\n15", "title": "Iran", "text": "Iran talks"}) + "\n")
    [article], problems = read_all([path])
    assert article.id == "wire 2024/07 15"
    assert [(p.line, p.fatal) for p in problems] == [(1, False)] and "line breaks" in problems[0].message
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(kb.path, home / "kb.sqlite")
    engine = EmbeddedEngine(home, "articles")
    assert engine.write([build_document(article, [], "test")]) == []
    engine.commit()
    try:
        with TestClient(create_app(engine, KnowledgeBase(home / "kb.sqlite"))) as client:
            response = client.get("/articles/wire 2024/07 15")
            assert response.status_code == 200, response.text
            assert response.json()["id"] == article.id
    finally:
        engine.close()


def test_a_stray_quote_swallows_at_most_a_bounded_stretch(tmp_path: Path, monkeypatch) -> None:
    """Past CSV_MAX_ROW_LINES a row is taken as broken, so a stray quote in a big file
    never makes the reader run to the end of the file and back; rows are all kept."""
    import newslink.indexer.readers as readers

    monkeypatch.setattr(readers, "CSV_MAX_ROW_LINES", 20)
    path = tmp_path / "stray.csv"
    rows = [f"r{i},Title {i},Body {i}\n" for i in range(1000)]
    for i in (5, 300, 600):  # each would swallow the rest of the file without the bound
        rows[i] = f'r{i},"Stray quote,Body {i}\n'
    rows[950] = 'r950,Title 950,"a body\nover two lines"\n'
    path.write_text("id,title,text\n" + "".join(rows))
    reads = []
    original = readers._Feed.__next__

    def counting(self):
        line = original(self)
        reads.append(line)
        return line

    monkeypatch.setattr(readers._Feed, "__next__", counting)
    articles, problems = read_all([path])
    assert [a.id for a in articles] == [f"r{i}" for i in range(1000) if i not in (5, 300, 600)]
    assert [(p.line, p.fatal) for p in problems] == [(7, True), (302, True), (602, True)]
    assert len(reads) < 1.5 * 1000  # each line read about once, not the rest of the file again per stray quote


def test_a_stray_quote_closed_by_a_later_quote_does_not_merge_rows(tmp_path: Path) -> None:
    """The stray quote of row 2 is 'closed' by the quoted field of row 5, and the merged
    row happens to have the header's three fields: still one broken row, not an article
    whose title swallowed rows 3 and 4."""
    path = tmp_path / "merge.csv"
    path.write_text('id,title,text\nr1,One,Body one\nr2,"Stray,Body two\nr3,Three,Body three\nr4,Four,Body four\nr5,"Five",Body five\n')
    articles, problems = read_all([path])
    assert [(a.id, a.title) for a in articles] == [("r1", "One"), ("r3", "Three"), ("r4", "Four"), ("r5", "Five")]
    assert [(p.line, p.fatal) for p in problems] == [(3, True)]


def test_a_dead_letter_entry_is_one_line_for_any_line_splitter(tmp_path: Path) -> None:
    """U+0085, U+2028 and U+2029 stay raw in JSON strings, and str.splitlines() (and many
    editors) break lines at them: a dead-letter entry escapes them."""
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "x\u2028y", "source": "DW\x85", "note": "a\u2029b"}, ensure_ascii=False) + "\n", encoding="utf-8")
    articles, problems = read_all([src])
    [problem] = [p for p in problems if p.fatal]  # no title and no text
    line = problem.dead_letter_line()
    assert len(line.splitlines()) == 1
    assert json.loads(line)["record"] == {"id": "x\u2028y", "source": "DW\x85", "note": "a\u2029b"}
