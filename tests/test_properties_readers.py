"""Bad input never costs good input: property-based tests of the readers.

Hypothesis mixes good records with every kind of bad one (malformed JSON, wrong
field types, missing fields, binary garbage, 5,000-digit numbers, arrays nested
100,000 deep, over-long ids) and writes them with every encoding and line ending
the readers promise to take (UTF-8 with and without BOM, Latin-1, UTF-16, CRLF,
gzip). Whatever comes out: every good record is read, every bad one is reported
exactly once as an error with its file and line, and nothing raises. The same
holds for CSV. Each rejected record's dead-letter line reads back to the same
rejection, and re-feeds once fixed.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from newslink.indexer.records import MAX_TITLE_CHARS, Problem

from conftest import read_all

# NEWSLINK_FUZZ_EXAMPLES=2000 for a deep run; CI keeps it small and fast.
PROPS = settings(max_examples=int(os.environ.get("NEWSLINK_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text a good record carries: anything Unicode can hold except lone surrogates
# (those are tested on their own below) - control characters and NUL included.
field_text = st.text(min_size=1, max_size=60).filter(lambda s: s.strip())
plain_text = st.text(st.characters(codec="latin-1", exclude_characters="\x00"), min_size=1, max_size=40).filter(lambda s: s.strip())


@st.composite
def good_record(draw, n: int, texts=field_text) -> dict:
    record = {"id": f"good-{n}", "title": draw(texts)}
    if draw(st.booleans()):
        record["text"] = draw(texts)
    if draw(st.booleans()):
        record["published"] = draw(st.sampled_from(["2024-02-29", "2023-11-05T10:00:00Z", "Tue, 07 Feb 2017 07:11:00 GMT", 1_700_000_000, "not a date"]))
    if draw(st.booleans()):
        record["source"] = draw(texts)
    if draw(st.booleans()):
        record["tags"] = draw(st.lists(texts, max_size=3))
    return record


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return True
    return False


# Each strategy gives the text of one bad JSONL line (no newline inside).
bad_json_text = st.text(min_size=1, max_size=80).map(lambda s: s.replace("\n", " ").replace("\r", " ")).filter(lambda s: s.strip() and _not_json(s))
bad_lines = st.one_of(
    bad_json_text,
    st.just('{"id": "cut", "title": '),
    st.just("[" * 100_000),  # RecursionError in json.loads
    st.just('{"id": "big", "title": ' + "7" * 5000 + "}"),  # ValueError: int digits limit
    st.from_type(type(None)).map(lambda _: "null"),
    st.lists(st.integers(), max_size=3).map(json.dumps),  # JSON, not an object
    st.integers().map(json.dumps),
    st.text(max_size=10).map(json.dumps),
    st.fixed_dictionaries({"title": st.one_of(st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.lists(st.integers(), max_size=2), st.booleans())}).map(json.dumps),
    st.fixed_dictionaries({"text": st.just(float("nan"))}).map(lambda d: '{"title": "x", "text": NaN}'),
    st.fixed_dictionaries({"id": st.just("x" * 600), "title": st.just("t")}).map(json.dumps),  # id over 512 bytes
    st.dictionaries(st.sampled_from(["id", "source", "url", "published", "other"]), st.text(max_size=5), max_size=4).map(json.dumps),  # no title, no text
    st.fixed_dictionaries({"title": st.just("   "), "text": st.just("\t\n")}).map(json.dumps),
)
def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


binary_garbage = st.binary(min_size=1, max_size=100).map(lambda b: b.replace(b"\n", b"\x00")).filter(lambda b: _decoded(b).strip() and _not_json(_decoded(b)))


def _binary(data: bytes) -> bool:
    """The readers' rule for a JSONL file that is binary data, stated on its own: not
    UTF-16; lines holding a byte no text format writes raw (NUL, \\x01-\\x08,
    \\x0e-\\x1f) make up nine tenths of its first 8 KB; no line there starts with '{'
    free of them."""
    if data[:2] == b"\xff\xfe":
        return False
    lines = [line.strip().removeprefix(b"\xef\xbb\xbf") for line in data[:8192].split(b"\n")]

    def control(line: bytes) -> bool:
        return any(b <= 8 or 14 <= b <= 31 for b in line)

    lines = [line for line in lines if line]
    garbage = sum(len(line) for line in lines if control(line))
    mostly = garbage > 0 and garbage >= 0.9 * sum(map(len, lines))
    return mostly and not any(line.startswith(b"{") and not control(line) for line in lines)


@st.composite
def jsonl_case(draw):
    """(lines as bytes, index -> expected 'good'/'bad', encoding options)."""
    n = draw(st.integers(min_value=1, max_value=12))
    kinds = draw(st.lists(st.sampled_from(["good", "bad", "binary", "blank"]), min_size=n, max_size=n))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    texts = plain_text if encoding == "latin-1" else field_text
    ensure_ascii = draw(st.booleans())
    lines: list[tuple[str, object]] = []
    for i, kind in enumerate(kinds):
        if kind == "good":
            rec = draw(good_record(i, texts))
            lines.append(("good", rec))
        elif kind == "bad":
            lines.append(("bad", draw(bad_lines)))
        elif kind == "binary" and encoding != "utf-16":
            lines.append(("binary", draw(binary_garbage)))
        else:
            lines.append(("blank", draw(st.sampled_from(["", "   ", "\t"]))))
    return lines, encoding, ensure_ascii, draw(st.sampled_from(["\n", "\r\n"])), draw(st.booleans())


def _encode(lines, encoding: str, ensure_ascii: bool, newline: str) -> tuple[bytes, dict[int, tuple[str, object]]]:
    out = io.BytesIO()
    expected: dict[int, tuple[str, object]] = {}
    codec = "utf-16-le" if encoding == "utf-16" else encoding
    if encoding == "utf-16":
        out.write(b"\xff\xfe")
    for number, (kind, value) in enumerate(lines, start=1):
        if kind == "good":
            text = json.dumps(value, ensure_ascii=ensure_ascii)
        elif kind == "binary":
            out.write(value + newline.encode())  # type: ignore[operator]
            expected[number] = ("bad", value)
            continue
        else:
            text = value  # type: ignore[assignment]
        if kind == "bad" and encoding == "latin-1":
            text = text.encode("latin-1", "replace").decode("latin-1")
        out.write((text + newline).encode(codec, "surrogatepass" if encoding != "latin-1" else "strict"))
        expected[number] = (kind, value)
    return out.getvalue(), expected


@PROPS
@given(case=jsonl_case())
def test_jsonl_every_good_record_read_every_bad_one_reported_once(tmp_path_factory, case) -> None:
    lines, encoding, ensure_ascii, newline, gz = case
    data, expected = _encode(lines, encoding, ensure_ascii, newline)
    note(f"file bytes: {data[:300]!r}")
    folder = tmp_path_factory.mktemp("jsonl")
    path = folder / ("in.jsonl.gz" if gz else "in.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)

    articles, problems = read_all([path])

    if _binary(data):  # every line of it binary garbage: one error for the file, as for a .txt
        assert [(p.line, p.fatal, p.message) for p in problems] == [(None, True, "binary data, not text: not read")] and articles == []
        return
    good = {n: v for n, (k, v) in expected.items() if k == "good"}
    bad = {n for n, (k, _v) in expected.items() if k == "bad"}
    assert [a.id for a in articles] == [v["id"] for v in good.values()]
    fatal = [p for p in problems if p.fatal]
    assert sorted(p.line for p in fatal) == sorted(bad), [str(p) for p in fatal]  # each bad line once
    assert all(p.path == str(path) for p in problems)
    if encoding != "latin-1":  # Latin-1 bytes may also be valid UTF-8: only ids are certain then
        for article, record in zip(articles, good.values()):
            assert article.title == record["title"].strip()[:MAX_TITLE_CHARS]
            assert article.text == (record.get("text") or "").strip()
    if not good and not bad:
        assert [p.message for p in problems] == ["no records in this file"]
    # Every rejection is a complete, re-readable dead-letter line.
    for problem in fatal:
        entry = json.loads(problem.dead_letter_line())
        assert entry["path"] == str(path) and entry["line"] == problem.line and entry["record"] is not None


@st.composite
def csv_case(draw):
    n = draw(st.integers(min_value=0, max_value=10))
    rows: list[tuple[str, list[str]]] = []
    for i in range(n):
        kind = draw(st.sampled_from(["good", "short", "long", "empty-fields", "blank"]))
        title = draw(field_text)
        if kind == "good":
            rows.append(("good", [f"good-{i}", title, draw(st.text(max_size=40)), draw(st.sampled_from(["", "2024-01-02", "garbage date"]))]))
        elif kind == "short":
            rows.append(("bad", [f"short-{i}", title]))
        elif kind == "long":
            rows.append(("bad", [f"long-{i}", title, "t", "2024-01-01", "extra"]))
        elif kind == "empty-fields":
            rows.append(("bad", [f"empty-{i}", " ", "", ""]))
        else:
            rows.append(("blank", []))
    return rows, draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])), draw(st.sampled_from(["\n", "\r\n"])), draw(st.booleans())


@PROPS
@given(case=csv_case())
def test_csv_every_good_row_read_every_bad_one_reported_once(tmp_path_factory, case) -> None:
    rows, encoding, newline, gz = case
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    # A bare CR is only quoted by csv.writer when it is part of the line end; an
    # unquoted one is ambiguous (and reported as a malformed row): quote it.
    quote_all = csv.writer(buffer, lineterminator=newline, quoting=csv.QUOTE_ALL)
    writer.writerow(["id", "title", "text", "date"])
    lines_of: list[int] = []
    line = 2
    for _kind, cells in rows:
        lines_of.append(line)
        before = buffer.tell()
        (quote_all if any("\r" in c for c in cells) else writer).writerow(cells)
        line += buffer.getvalue()[before:].count("\n") or 1  # quoted fields may span lines
    data = buffer.getvalue().encode(encoding, "surrogatepass")
    path = tmp_path_factory.mktemp("csv") / ("in.csv.gz" if gz else "in.csv")
    path.write_bytes(gzip.compress(data) if gz else data)

    articles, problems = read_all([path])

    assert [a.id for a in articles] == [cells[0] for kind, cells in rows if kind == "good"]
    fatal = [p for p in problems if p.fatal]
    assert sorted(p.line for p in fatal) == sorted(n for n, (kind, _c) in zip(lines_of, rows) if kind == "bad"), [str(p) for p in problems]
    by_id = {a.id: a for a in articles}
    for kind, cells in rows:
        if kind == "good":
            assert by_id[cells[0]].title == cells[1].strip()[:MAX_TITLE_CHARS]
    for problem in fatal:  # the dead letter has the row, re-parseable with its header
        entry = json.loads(problem.dead_letter_line())
        assert entry["record"] is not None


@PROPS
@given(record=st.dictionaries(st.text(max_size=8), st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20), lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=8), max_size=8))
def test_any_json_object_is_read_or_rejected_never_raises(tmp_path_factory, record) -> None:
    """Arbitrary JSON objects (any field names and value types) never crash a reader."""
    path = tmp_path_factory.mktemp("any") / "a.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    articles, problems = read_all([path])
    assert len(articles) + sum(p.fatal for p in problems) == 1
    for article in articles:  # whatever was accepted can be stored: valid UTF-8, JSON without NaN
        json.dumps(article.to_dict(), allow_nan=False).encode("utf-8")


@PROPS
@given(rejected=st.lists(bad_lines, min_size=1, max_size=5), fixed=st.lists(st.booleans(), min_size=5, max_size=5))
def test_dead_letter_reads_back_to_the_same_rejection_and_refeeds_once_fixed(tmp_path_factory, rejected, fixed) -> None:
    folder = tmp_path_factory.mktemp("dead")
    source = folder / "src.jsonl"
    source.write_text("".join(line + "\n" for line in rejected), encoding="utf-8")
    _articles, problems = read_all([source])
    if _binary(source.read_bytes()):  # lines of raw control characters only: one error for the file
        assert [p.message for p in problems] == ["binary data, not text: not read"]
        return
    fatal = [p for p in problems if p.fatal]
    assert len(fatal) == len(rejected)

    dead = folder / "dead.jsonl"
    dead.write_text("".join(p.dead_letter_line() for p in fatal), encoding="utf-8")
    articles, again = read_all([dead])
    assert articles == []
    assert [p.message for p in again if p.fatal] == [p.message for p in fatal]  # still rejected, same reason
    assert all(json.loads(p.dead_letter_line())["origin"] == {"path": str(source), "line": p0.line} for p, p0 in zip([p for p in again if p.fatal], fatal))

    # Fix some entries the way a user would (edit "record"), re-feed: exactly those are read.
    entries = [json.loads(line) for line in dead.read_text(encoding="utf-8").split("\n") if line]
    want = []
    for i, entry in enumerate(entries):
        if fixed[i]:
            entry["record"] = {"id": f"fixed-{i}", "title": "Fixed", "text": "Now fine"}
            want.append(f"fixed-{i}")
    dead.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    articles, again = read_all([dead])
    assert [a.id for a in articles] == want
    assert sum(p.fatal for p in again) == len(entries) - len(want)


# --------------------------------------------------------------------------- example-based edge cases
def test_huge_fields_are_cut_with_a_warning_and_the_rest_kept(tmp_path: Path) -> None:
    from newslink.indexer.records import MAX_TEXT_CHARS

    path = tmp_path / "big.jsonl"
    huge = "word " * (2 * 1024 * 1024)  # 10 MB of text
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "before", "title": "Before", "text": "ok"}) + "\n")
        fh.write(json.dumps({"id": "huge", "title": "T" * 3_000_000, "text": huge, "source": "S" * 100_000}) + "\n")
        fh.write(json.dumps({"id": "after", "title": "After", "text": "ok"}) + "\n")
    articles, problems = read_all([path])
    assert [a.id for a in articles] == ["before", "huge", "after"]
    big = articles[1]
    assert len(big.text) <= MAX_TEXT_CHARS and len(big.title) <= MAX_TITLE_CHARS and len(big.source or "") <= 200
    assert {p.line for p in problems} == {2} and not any(p.fatal for p in problems)


def test_cut_limits_keep_every_text_under_spacys_max_length(pipeline) -> None:
    """Past spaCy's max_length nlp.pipe raises and the whole job would die on one record."""
    from newslink.indexer.records import MAX_TEXT_CHARS

    assert MAX_TITLE_CHARS + 2 + MAX_TEXT_CHARS < pipeline.nlp.max_length


def test_overlong_line_is_skipped_without_reading_it_into_memory(tmp_path: Path, monkeypatch) -> None:
    import newslink.indexer.readers as readers

    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "title": "A", "text": "a"}) + "\n" + "x" * 5000 + "\n" + json.dumps({"id": "b", "title": "B", "text": "b"}) + "\n")
    articles, problems = read_all([path])
    assert [a.id for a in articles] == ["a", "b"]
    assert [(p.line, p.fatal) for p in problems] == [(2, True)] and "longer than" in problems[0].message
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("id,title,text\n1,A,a\n2,B," + "y" * 5000 + "\n3,C,c\n")
    articles, problems = read_all([csv_path])
    assert [a.id for a in articles] == ["1", "3"] and [(p.line, p.fatal) for p in problems] == [(3, True)]


def test_lone_surrogates_are_replaced_and_stored(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"title": "bad \\ud800 title", "text": "x", "extra": "\\udfff", "n": NaN}\n{"id": "ok", "title": "fine", "text": "t"}\n')
    articles, problems = read_all([path])
    assert [a.title for a in articles] == ["bad \ufffd title", "fine"]
    assert articles[0].meta == {"extra": "\ufffd"}  # NaN dropped: no engine stores it
    assert all(not p.fatal for p in problems) and len(problems) == 2
    json.dumps(articles[0].to_dict(), allow_nan=False).encode("utf-8")


def test_gz_cut_short_keeps_what_is_before_the_cut_and_says_where(tmp_path: Path) -> None:
    lines = b"".join(json.dumps({"id": str(i), "title": "t", "text": "x" * 400 + str(i)}).encode() + b"\n" for i in range(300))
    data = gzip.compress(lines)
    for name, cut in (("half", len(data) // 2), ("header", 5), ("tail", len(data) - 4)):
        path = tmp_path / f"{name}.jsonl.gz"
        path.write_bytes(data[:cut])
        articles, problems = read_all([path])
        assert [a.id for a in articles] == [str(i) for i in range(len(articles))]  # a clean prefix
        assert len(articles) < 300 or name == "tail"
        [problem] = problems
        assert problem.fatal and problem.path == str(path)
        if name == "half":
            assert problem.line == len(articles) + 1 and "cut short" in problem.message


def test_empty_files_empty_folders_and_odd_paths(tmp_path: Path) -> None:
    import os

    (tmp_path / "empty").mkdir()
    (tmp_path / "only-md").mkdir()
    (tmp_path / "only-md" / "notes.md").write_text("x")
    (tmp_path / "files").mkdir()
    for name in ("e.jsonl", "e.csv", "e.txt", "blank.txt"):
        (tmp_path / "files" / name).write_text("" if name.startswith("e") else " \n\n\t\n")
    (tmp_path / "files" / "e.jsonl.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "files" / "zero.jsonl.gz").write_bytes(b"")
    (tmp_path / "files" / "header.csv").write_text("id,title\n")
    (tmp_path / "files" / "bin.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "files" / "ok.jsonl").write_text(json.dumps({"id": "ok", "title": "OK", "text": "ok"}) + "\n")
    os.symlink("dangling-target.jsonl", tmp_path / "files" / "dangling.jsonl")
    os.symlink("self.jsonl", tmp_path / "files" / "self.jsonl")
    os.mkfifo(tmp_path / "files" / "fifo.jsonl")
    articles, problems = read_all([tmp_path / "empty", tmp_path / "only-md", tmp_path / "files", tmp_path / "missing"])
    assert [a.id for a in articles] == ["ok"]
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(Path(p.path).name, []).append(p)
    assert all(len(v) == 1 for v in by_path.values()), {k: [str(p) for p in v] for k, v in by_path.items()}
    fatal = {k for k, [p] in by_path.items() if p.fatal}
    assert fatal == {"e.txt", "blank.txt", "bin.txt", "dangling.jsonl", "self.jsonl", "fifo.jsonl", "missing"}
    # Files without records lose nothing: a warning says so.
    assert {k for k, [p] in by_path.items() if not p.fatal} == {"empty", "only-md", "e.jsonl", "e.csv", "e.jsonl.gz", "zero.jsonl.gz", "header.csv"}


def test_symlink_loops_are_read_once(tmp_path: Path) -> None:
    import os

    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "x.jsonl").write_text(json.dumps({"id": "x", "title": "X", "text": "x"}) + "\n")
    os.symlink("../..", root / "a" / "b" / "up")  # a loop back to root
    os.symlink("b", root / "a" / "b2")  # a second way into the same folder
    os.symlink("b/x.jsonl", root / "a" / "x-link.jsonl")  # a second way to the same file
    articles, problems = read_all([root, root / "a" / "b" / "x.jsonl"])
    assert [a.id for a in articles] == ["x"]
    assert problems and all(not p.fatal and "already read" in p.message for p in problems)


def test_bom_crlf_latin1_and_utf16_csv(tmp_path: Path) -> None:
    rows = "id,title,text\r\n1,Caf\u00e9,\"two\r\nlines\"\r\n2,Na\u00efve,x\r\n"
    (tmp_path / "bom.csv").write_bytes(rows.encode("utf-8-sig"))
    (tmp_path / "latin.csv").write_bytes(rows.replace("1,", "3,").replace("2,", "4,").encode("latin-1"))
    (tmp_path / "wide.csv").write_bytes(rows.replace("1,", "5,").replace("2,", "6,").encode("utf-16"))
    articles, problems = read_all([tmp_path])
    assert sorted((a.id, a.title) for a in articles) == [("1", "Café"), ("2", "Naïve"), ("3", "Café"), ("4", "Naïve"), ("5", "Café"), ("6", "Naïve")]
    assert next(a for a in articles if a.id == "1").text == "two\r\nlines"
    assert [(Path(p.path).name, p.fatal) for p in problems] == [("latin.csv", False)]


def test_a_record_that_trips_a_bug_costs_only_itself(tmp_path: Path, monkeypatch) -> None:
    import newslink.indexer.readers as readers

    real = readers.record_to_article

    def flaky(record, **kw):
        if record.get("id") == "boom":
            raise KeyError("simulated bug")
        return real(record, **kw)

    monkeypatch.setattr(readers, "record_to_article", flaky)
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"id": i, "title": i, "text": i}) + "\n" for i in ("a", "boom", "b")))
    articles, problems = read_all([path])
    assert [a.id for a in articles] == ["a", "b"]
    assert [(p.line, p.fatal) for p in problems] == [(2, True)] and "simulated bug" in problems[0].message


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_dead_letter_of_csv_and_jsonl_refeeds_after_fixing_the_text(tmp_path: Path, fmt: str) -> None:
    """Records kept as source text (a broken JSON line, a CSV row with a missing field) are fixed as text."""
    src = tmp_path / f"src.{fmt}"
    if fmt == "jsonl":
        src.write_text('{"id": "j1", "title": "One", "text": "t"\n')
        fix = lambda text: text.rstrip("\n") + "}\n"  # noqa: E731
    else:
        src.write_text('id,title,text\n"c1","Row, one"\n')
        fix = lambda text: text.rstrip("\r\n") + ',"the text"\n'  # noqa: E731
    _a, problems = read_all([src])
    [problem] = problems
    dead = tmp_path / "dead.jsonl"
    dead.write_text(problem.dead_letter_line())
    entry = json.loads(dead.read_text())
    assert isinstance(entry["record"], str)
    entry["record"] = fix(entry["record"])
    dead.write_text(json.dumps(entry) + "\n")
    articles, problems = read_all([dead])
    assert problems == [] and [a.id for a in articles] == [f"{fmt[0]}1"]


def test_utf16_is_told_from_garbage_that_starts_like_it(tmp_path: Path) -> None:
    good = json.dumps({"id": "w", "title": "Wide", "text": "t"}, ensure_ascii=False)
    (tmp_path / "cjk-first.jsonl").write_bytes(("\u4e00\u0100 not json\n" + good + "\n").encode("utf-16"))  # low bytes 00
    (tmp_path / "garbage.jsonl").write_bytes(b"\xff\xfe\x00\xd8\x01\x02 binary\n" + json.dumps({"id": "g", "title": "G", "text": "t"}).encode() + b"\n")
    articles, problems = read_all([tmp_path / "cjk-first.jsonl", tmp_path / "garbage.jsonl"])
    assert [a.id for a in articles] == ["w", "g"]
    assert [(Path(p.path).name, p.line, p.fatal) for p in problems if p.fatal] == [("cjk-first.jsonl", 1, True), ("garbage.jsonl", 1, True)]
