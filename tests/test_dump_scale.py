"""The dump import at scale (issue 16), on small generated dumps: the line filter is
exact, both bz2 readers agree, a killed import (SIGKILL) resumes, and memory stays
bounded while a dump far larger than it streams through."""
from __future__ import annotations

import bz2
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from newslink.indexer.kb import dump_stream, wikidata
from newslink.indexer.kb.entities import CLASSES, entity_record
from newslink.indexer.kb.store import KnowledgeBase

from test_wikidata import item, statement, write_dump

REPO = Path(__file__).resolve().parent.parent


def mixed_entities(n: int) -> list[dict]:
    """People, places and an org among items the importer skips; ids in both spellings."""
    out = []
    for i in range(n):
        qid = f"Q{800000 + i}"
        kind = i % 5
        if kind == 0:
            out.append(item(qid, f"Person Number{i}", ["Q5"], sitelinks=i % 7))
        elif kind == 1:
            out.append(item(qid, f"Placeton{i}", ["Q532"], description="village"))
        elif kind == 2:
            e = item(qid, f"Paper {i}", ["Q13442814"])  # a scholarly article: skipped
            e["claims"]["P50"] = [statement("P50", "Q5")]  # names Q5 outside P31: parsed, then dropped
            out.append(e)
        elif kind == 3:
            e = item(qid, f"Old Style Org{i}", ["Q43229"])
            del e["claims"]["P31"][0]["mainsnak"]["datavalue"]["value"]["id"]  # only numeric-id, as older dumps
            out.append(e)
        else:
            out.append(item(qid, f"Taxon {i}", ["Q16521"]))
    return out


def test_the_line_filter_never_drops_a_line_the_importer_keeps(tmp_path: Path) -> None:
    may_keep = wikidata.class_filter(CLASSES)
    lines = [json.dumps(e, separators=(",", ":")).encode() for e in mixed_entities(200)]
    lines += [json.dumps(e).encode() for e in mixed_entities(50)]  # spaces after ':' too
    kept = [l for l in lines if entity_record(json.loads(l)) is not None]
    assert len(kept) == 150 and all(may_keep(l) for l in kept)
    skipped = [l for l in lines if not may_keep(l)]
    assert len(skipped) >= 50  # the taxa, and the papers' P31 lines… only those naming no kept class
    assert all(entity_record(json.loads(l)) is None for l in skipped)


def _installed(reader: str) -> bool:
    if reader == "lbzip2":
        return shutil.which("lbzip2") is not None
    if reader == "indexed_bzip2":
        return dump_stream._indexed_bzip2() is not None
    return True


@pytest.mark.parametrize("reader", dump_stream.BZ2_READERS)
def test_every_bz2_reader_reads_the_same_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str) -> None:
    if not _installed(reader):
        pytest.skip(f"{reader} is not installed here (.ci/run installs lbzip2 and indexed_bzip2)")
    dump = write_dump(tmp_path / "dump.json.bz2", mixed_entities(300))
    with bz2.open(dump) as f:
        expected = list(enumerate(f, start=1))
    monkeypatch.setenv("NEWSLINK_BZ2", reader)
    assert dump_stream.bz2_reader() == reader
    read = list(wikidata.iter_dump(dump))
    assert [(n, line) for n, line, _pos in read] == expected and len(expected) == 302  # '[' + 300 entities + ']'
    assert [n for n, _l, _p in wikidata.iter_dump(dump, start_line=250)][0] == 251
    where = [pos for _n, _l, pos in read]
    assert where == sorted(where) and where[-1] == dump.stat().st_size  # progress reaches the end of the file


def test_lbzip2_stops_when_the_reading_stops_and_names_a_corrupt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("lbzip2") is None:
        pytest.skip("lbzip2 is not installed here (.ci/run installs it)")
    monkeypatch.setenv("NEWSLINK_BZ2", "lbzip2")
    dump = write_dump(tmp_path / "dump.json.bz2", mixed_entities(3000))
    raw = dump_stream.open_raw(dump)
    stream, _where = dump_stream.decompressed(raw, dump)
    assert stream.readline() == b"[\n"
    piped = stream.raw
    stream.close()  # long before the end: the child is ended, not left running
    assert piped.proc.returncode is not None
    raw.close()
    broken = tmp_path / "broken.json.bz2"
    data = dump.read_bytes()
    broken.write_bytes(data[: len(data) // 2])  # cut in the middle, as a download that died
    with pytest.raises(OSError, match=r"broken\.json\.bz2: lbzip2: "):
        list(wikidata.iter_dump(broken))


def test_an_unknown_bz2_reader_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLINK_BZ2", "pbzip9")
    with pytest.raises(ValueError, match="NEWSLINK_BZ2='pbzip9': expected one of lbzip2, indexed_bzip2, bz2"):
        dump_stream.bz2_reader()


CHILD = """
import sys
from pathlib import Path
from newslink.indexer.kb.wikidata import DumpImport

def progress(read, total, kept):
    if kept >= 300:
        print("checkpointed", kept, flush=True)
        sys.stdin.read()  # wait here until the test kills this process

DumpImport(Path(sys.argv[1]), sys.argv[2], checkpoint_every=100).run(progress)
"""


@pytest.mark.parametrize("suffix", [".json", ".json.bz2"])
def test_an_import_killed_with_sigkill_resumes(tmp_path: Path, session_home: Path, suffix: str) -> None:
    dump = write_dump(tmp_path / f"dump{suffix}", mixed_entities(1500))
    target = tmp_path / "kb.sqlite"
    env = dict(os.environ, NEWSLINK_KB_SOURCES="starter")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(target), str(dump)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()
        assert line.startswith("checkpointed"), line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not target.exists() and wikidata.staging_path(target).exists()
    again = wikidata.DumpImport(target, dump, checkpoint_every=100, shipped=["starter"])
    assert again.resumed_at >= 500  # the checkpoint that had 300 records staged
    result = again.run()
    assert result["staged"] == 900 and result["resumed_at_line"] == again.resumed_at
    kb = KnowledgeBase(target)
    assert kb.entity("Q801498").label == "Old Style Org1498"  # near the end, read after the resume
    assert kb.entity("Q800000").label == "Person Number0"  # the first, staged before the kill
    assert kb.entity("Q800002") is None and kb.entity("Q794") is not None
    kb.close()


MEASURE = """
import resource, sys
from pathlib import Path
from newslink.indexer.kb.wikidata import DumpImport
result = DumpImport(Path(sys.argv[1]), sys.argv[2], shipped=["starter"], checkpoint_every=int(sys.argv[3])).run()
print(result["staged"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def fat_dump(path: Path, n: int) -> int:
    """``n`` items of ~20 KB (Wikidata's are 5-20 KB), one in 40 kept; the uncompressed size."""
    blob = {f"P{1000 + i}": [statement(f"P{1000 + i}", f"Q{2000 + j}") for j in range(3)] for i in range(30)}
    size = 0
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b"[\n")
        for i in range(n):
            e = item(f"Q{810000 + i}", f"Fat Item{i}", ["Q5" if i % 40 == 0 else "Q13442814"])
            e["claims"].update(blob)
            line = json.dumps(e, separators=(",", ":")).encode() + (b",\n" if i < n - 1 else b"\n")
            size += len(line)
            out.write(line)
        out.write(b"]\n")
    return size


def peak_import_mb(tmp_path: Path, dump: Path, checkpoint_every: int = 20_000) -> tuple[int, int]:
    target = tmp_path / f"{dump.stem}.sqlite"
    done = subprocess.run([sys.executable, "-c", MEASURE, str(target), str(dump), str(checkpoint_every)], capture_output=True, text=True, check=True)
    staged, peak_mb = map(int, done.stdout.split())
    return staged, peak_mb


def test_memory_does_not_grow_with_the_dump(tmp_path: Path, session_home: Path) -> None:
    """The import's peak RSS for a ~200 MB dump is that of a dump 20 times smaller: read
    whole, the large one's lines alone would add 200 MB."""
    small_size = fat_dump(tmp_path / "small.json.gz", 500)
    large_size = fat_dump(tmp_path / "large.json.gz", 10_000)
    assert large_size > 150_000_000 and large_size > 19 * small_size
    staged_small, small_mb = peak_import_mb(tmp_path, tmp_path / "small.json.gz")
    staged_large, large_mb = peak_import_mb(tmp_path, tmp_path / "large.json.gz")
    assert (staged_small, staged_large) == (13, 250)
    assert large_mb < small_mb + 60, f"peak RSS {large_mb} MB for {large_size // 1_000_000} MB vs {small_mb} MB for {small_size // 1_000_000} MB"


def people_dump(path: Path, n: int) -> Path:
    """``n`` people, every one kept, with two aliases each: the merge into the KB
    (``build_kb``) then holds ``n`` entities and ~4 ``n`` names."""
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b"[\n")
        for i in range(n):
            e = item(f"Q{900000 + i}", f"Given{i % 997} Family{i}", ["Q5"], aliases=[f"G. Family{i}", f"Nick{i} Family{i}"], sitelinks=i % 9)
            out.write(json.dumps(e, separators=(",", ":")).encode() + (b",\n" if i < n - 1 else b"\n"))
        out.write(b"]\n")
    return path


def test_the_merge_into_the_kb_does_not_grow_with_it(tmp_path: Path, session_home: Path) -> None:
    """The import's last step, merging the staged records with the starter KB, reads
    and writes through SQLite: its peak RSS with 40,000 entities (~160,000 names) is
    that with 2,000. Dicts of every name or entity (the normalising cache, the curated
    priors, the entities lacking a country) added 51 MB here and ~60 MB at 1 M items."""
    # Checkpoints every 1,000 lines in both: the records held between two are the same few.
    staged_small, small_mb = peak_import_mb(tmp_path, people_dump(tmp_path / "few.json.gz", 2_000), 1_000)
    staged_large, large_mb = peak_import_mb(tmp_path, people_dump(tmp_path / "many.json.gz", 40_000), 1_000)
    assert (staged_small, staged_large) == (2_000, 40_000)
    assert large_mb < small_mb + 10, f"peak RSS {large_mb} MB merging 40,000 entities vs {small_mb} MB merging 2,000"


def test_a_name_shared_by_thousands_gives_the_strongest_candidates_only(tmp_path: Path) -> None:
    """"Smith" is the surname of thousands in a Wikidata-scale KB: a look-up reads the
    strongest alias kind first and the most popular within it, at most MAX_CANDIDATES."""
    from newslink.indexer.kb.build import EntityRecord, build_kb
    from newslink.indexer.kb.store import MAX_CANDIDATES

    people = [EntityRecord(f"Q{900000 + i}", "person", f"Given{i} Smith", popularity=float((i * 37) % 150), origin="wikidata") for i in range(150)]
    place = EntityRecord("Q899999", "place", "Smith", popularity=1.0, origin="wikidata")
    build_kb(tmp_path / "kb.sqlite", [*people, place], sources=["starter"])
    kb = KnowledgeBase(tmp_path / "kb.sqlite")
    found = kb.candidates("Smith")
    assert len(found) == MAX_CANDIDATES < 150
    assert (found[0].entity.qid, found[0].alias_kind) == ("Q899999", "label")  # its own name before anyone's surname
    pops = [c.entity.popularity for c in found[1:]]
    assert pops == sorted(pops, reverse=True) and pops[0] == 149 and min(pops) == 150 - (MAX_CANDIDATES - 1)
    kb.close()


def test_the_first_names_of_a_kb_are_read_once_into_a_file_every_process_maps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The linker's first names (person_names.GivenNames) of a SQLite KB: read off its people
    by the first linker, then a trie file beside the KB that later ones map without a scan."""
    from newslink.indexer.kb.build import EntityRecord, build_kb
    from newslink.indexer.linking import person_names
    from newslink.indexer.linking.person_names import GivenNames

    monkeypatch.setattr(person_names, "_GIVEN_NAMES", {})
    people = [EntityRecord(f"Q{900000 + i}", "person", label, origin="wikidata")
              for i, label in enumerate(["Marcel Proust", "Dr. Who", "Al Gore", "Ottoline Morrell", "Proust"])]
    build_kb(tmp_path / "kb.sqlite", people, sources=["starter"])
    first = GivenNames(KnowledgeBase(tmp_path / "kb.sqlite"))
    assert "Marcel" in first and "ottoline" in first
    assert "dr" not in first and "al" not in first and "proust" not in first  # a title, too short, a surname
    assert len(list(tmp_path.glob(".kb.sqlite.given-names-*.marisa"))) == 1
    monkeypatch.setattr(person_names, "_GIVEN_NAMES", {})  # a later process: no scan, the file
    monkeypatch.setattr(person_names, "_scan", lambda kb: iter(()))
    later = GivenNames(KnowledgeBase(tmp_path / "kb.sqlite"))
    assert "Marcel" in later and "Proust" not in later
