"""Every source format, bad input reported with file and line, stable ids."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from newslink.indexer.readers import ByteMeter, count_records, read_paths

from conftest import REPO, read_all


def test_jsonl_fields_and_meta(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "x1", "title": "T", "text": "Body", "published": "2017-02-07T07:11:00", "source": "DW", "url": "http://u", "category": "world"}) + "\n")
    [a], problems = read_all([path])
    assert problems == []
    assert (a.id, a.title, a.text, a.published, a.source, a.url) == ("x1", "T", "Body", "2017-02-07T07:11:00", "DW", "http://u")
    assert a.meta == {"category": "world"}


def test_jsonl_gz(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(3):
            fh.write(json.dumps({"id": f"g{i}", "title": f"T{i}", "text": "x"}) + "\n")
    articles, problems = read_all([path])
    assert [a.id for a in articles] == ["g0", "g1", "g2"] and problems == []


def test_csv_with_header_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('article_id,publish_date,title,text\n1,2017-03-01,"Hello, world","line one\nline two"\n2,2017-03-02,Second,Body two\n', encoding="utf-8")
    articles, problems = read_all([path])
    assert problems == []
    assert [(a.id, a.title, a.published[:10]) for a in articles] == [("1", "Hello, world", "2017-03-01"), ("2", "Second", "2017-03-02")]
    assert articles[0].text == "line one\nline two"


def test_txt_like_the_seed(tmp_path: Path) -> None:
    [a], problems = read_all([REPO / "examples" / "000_0bbcda579d155b64.txt"])
    assert problems == []
    assert a.title.startswith("US tells Israel")
    assert "Benjamin Netanyahu" in a.text and not a.text.startswith("US tells")


def test_folder_recurses_in_stable_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("Second\nbody")
    (tmp_path / "1.txt").write_text("First\nbody")
    (tmp_path / ".hidden.txt").write_text("Hidden\nbody")
    (tmp_path / "notes.md").write_text("ignored")
    articles, problems = read_all([tmp_path])
    assert [a.title for a in articles] == ["First", "Second"]
    assert problems == []


def test_ids_are_stable_across_reads(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"title": "No id", "text": "Body", "url": "http://example.org/x"}) + "\n" + json.dumps({"title": "No url", "text": "Body 2"}) + "\n")
    first = [a.id for a in read_all([path])[0]]
    second = [a.id for a in read_all([path])[0]]
    assert first == second and len(set(first)) == 2


def test_bad_records_are_reported_with_line_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"id": "ok1", "title": "Good", "text": "Fine"}),
        '{"id": "broken", "title": ',
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "empty"}),
        json.dumps({"id": "badtype", "title": {"x": 1}, "text": "y"}),
        json.dumps({"id": "baddate", "title": "D", "text": "t", "published": "yesterday-ish"}),
        json.dumps({"id": "notitle", "text": "Only a body here"}),
        json.dumps({"id": "ok2", "title": "Good 2", "text": "Fine"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    articles, problems = read_all([path])
    assert [a.id for a in articles] == ["ok1", "baddate", "notitle", "ok2"]
    fatal = {p.line: p.message for p in problems if p.fatal}
    assert set(fatal) == {2, 3, 4, 5}
    assert "malformed JSON" in fatal[2] and "JSON object" in fatal[3] and "no title and no text" in fatal[4] and "'title'" in fatal[5]
    warnings = {p.line: p.message for p in problems if not p.fatal}
    assert set(warnings) == {6, 7}
    assert str(problems[0]).startswith(f"{path}:2: error:")
    assert next(a for a in articles if a.id == "baddate").published is None


def test_csv_row_with_wrong_field_count(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,title,text\n1,A,a\n2,B\n3,C,c\n")
    articles, problems = read_all([path])
    assert [a.id for a in articles] == ["1", "3"]
    assert [(p.line, p.fatal) for p in problems] == [(3, True)]


def test_unreadable_and_missing_paths(tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(b"".join(json.dumps({"id": str(i), "title": "t", "text": "x" * 500}).encode() + b"\n" for i in range(200)))
    cut.write_bytes(data[: len(data) // 2])
    articles, problems = read_all([cut, tmp_path / "missing.jsonl"])
    assert any("cannot read" in p.message for p in problems)
    assert any("no such file" in p.message for p in problems)
    assert len(articles) < 200


def test_bom_crlf_and_latin1(tmp_path: Path) -> None:
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "b", "title": "T", "text": "x"}).encode() + b"\r\n")
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 title\r\nbody \xe9".encode("latin-1"))
    articles, problems = read_all([tmp_path])
    assert sorted(a.title for a in articles) == ["Café title", "T"]
    assert [p.fatal for p in problems] == [False]  # only the Latin-1 warning


def test_count_records(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("{}\n{}\n{}\n")
    (tmp_path / "b.txt").write_text("x\ny")
    assert count_records([tmp_path]) == 4


def test_byte_meter_follows_the_read_without_a_counting_pass(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("".join(json.dumps({"id": str(i), "title": "t", "text": "x" * 300}) + "\n" for i in range(50)))
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(b"".join(json.dumps({"id": f"g{i}", "title": "t", "text": "y" * 300}).encode() + b"\n" for i in range(50))))
    (tmp_path / "c.txt").write_text("Title\nbody")
    meter = ByteMeter.of([tmp_path])
    assert meter.total == sum(p.stat().st_size for p in tmp_path.iterdir())
    seen = []
    for article, _problems in read_paths([tmp_path], meter=meter):
        if article is not None:
            seen.append(meter.position)
    assert len(seen) == 101
    assert seen == sorted(seen) and 0 < seen[0] < meter.total  # it moves forward as records are read
    assert meter.position == meter.total  # every file read to its end
