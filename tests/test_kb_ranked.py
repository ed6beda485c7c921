"""Each name's candidates packed at build time (indexer/kb/ranked.py): the same
candidates, in the same order and with the same entity fields, as the join-and-sort over
every alias row of a KB built without those lists, on a KB with a surname shared by more
people than are read."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from newslink.indexer.kb import store
from newslink.indexer.kb.build import EntityRecord, alias_rows, build_kb
from newslink.indexer.kb.packed import unpacker
from newslink.indexer.kb.store import ALIAS_KINDS, MAX_CANDIDATES, KnowledgeBase

FIRST = ["John", "Mary", "Ahmed", "Li", "Ana", "Paul", "Olga"]


def records() -> list[EntityRecord]:
    """150 Smiths more than MAX_CANDIDATES read, popularity with ties (the QID breaks
    them), a company named Smith (a label outranks every surname), a person whose alias
    is also a surname of others ("Smith" twice for one QID), demonyms and aliases."""
    out = [
        EntityRecord(f"Q{1000 + i}", "person", f"{FIRST[i % len(FIRST)]} Smith", popularity=float(i % 9), description=f"person {i}",
                     aliases=[f"J. Smith {i % 3}"] if i % 4 == 0 else [])
        for i in range(MAX_CANDIDATES + 50)
    ]
    out.append(EntityRecord("Q5", "org", "Smith", kind="company", popularity=3.0, aliases=["Smith & Co", "SMITH"]))
    out.append(EntityRecord("Q6", "person", "Anna Smith", popularity=8.0, aliases=["Smith"]))
    out.append(EntityRecord("Q7", "country", "Ruritania", popularity=50.0, demonyms=["Ruritanian", "Smith"]))
    out.append(EntityRecord("Q8", "place", "Springfield", popularity=2.0, aliases=["Smith Springs"], country="Q30", admin1="Q1204"))
    out.append(EntityRecord("Q9", "place", "Springfield", popularity=2.0))
    return out


@pytest.fixture(scope="module")
def kbs(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeBase, KnowledgeBase]:
    """The KB as built, and a copy without the candidate lists (a KB built before them)."""
    folder = tmp_path_factory.mktemp("ranked")
    built = folder / "kb.sqlite"
    build_kb(built, records(), sources=["starter"])
    old = folder / "old.sqlite"
    shutil.copy(built, old)
    db = sqlite3.connect(old)
    db.execute("DROP TABLE candidate_lists")
    db.commit()
    db.close()
    return KnowledgeBase(built), KnowledgeBase(old)


def expected(key: str) -> list[tuple[str, str]]:
    """(QID, alias kind) from the records alone: rows by kind rank, popularity down, QID;
    the first MAX_CANDIDATES rows; each QID once, by its strongest kind."""
    by_qid = {r.qid: r for r in records()}
    rows = sorted(
        (ALIAS_KINDS.index(kind), -by_qid[qid].popularity, qid)
        for rec in records() for alias, qid, kind, _surface in alias_rows(rec) if alias == key
    )
    seen: dict[str, str] = {}
    for rank, _pop, qid in rows[:MAX_CANDIDATES]:
        seen.setdefault(qid, ALIAS_KINDS[rank])
    return list(seen.items())


def test_ranked_table_gives_the_candidates_of_the_join(kbs: tuple[KnowledgeBase, KnowledgeBase]) -> None:
    ranked, old = kbs
    assert ranked._listed and not old._listed
    keys = [k for (k,) in sqlite3.connect(ranked.path).execute("SELECT DISTINCT alias FROM aliases")]
    assert len(keys) > 10
    for key in keys:
        new = [(c.entity, c.alias_kind) for c in ranked.candidates(key)]
        assert new == [(c.entity, c.alias_kind) for c in old.candidates(key)], key
        assert [(e.qid, kind) for e, kind in new] == expected(key), key
    smiths = ranked.candidates("Smith")
    # label (the company), alias (Anna Smith), demonym (Ruritania), then the surnames
    assert [c.entity.qid for c in smiths[:3]] == ["Q5", "Q6", "Q7"] and smiths[3].alias_kind == "surname"
    assert len(smiths) == MAX_CANDIDATES - 2  # Q5 (label, alias "SMITH") and Q6 (alias, surname) are two rows each
    anna = next(c.entity for c in smiths if c.entity.qid == "Q6")
    assert anna.aliases == ("Smith",) and anna == old.entity("Q6")
    (springfield,) = ranked.candidates("Smith Springs")
    assert (springfield.entity.country, springfield.entity.admin1) == ("Q30", "Q1204") and springfield.entity == old.entity("Q8")


def test_a_kb_ranked_for_fewer_candidates_is_read_by_the_join(kbs: tuple[KnowledgeBase, KnowledgeBase], tmp_path: Path) -> None:
    ranked, _old = kbs
    short = tmp_path / "short.sqlite"
    shutil.copy(ranked.path, short)
    db = sqlite3.connect(short)
    db.execute("UPDATE meta SET value = '10' WHERE key = 'candidates_limit'")
    db.commit()
    db.close()
    kb = KnowledgeBase(short)
    assert not kb._listed
    assert len(kb.candidates("Smith")) == MAX_CANDIDATES - 2


def test_the_alias_cache_drops_the_least_recently_used(kbs: tuple[KnowledgeBase, KnowledgeBase], monkeypatch: pytest.MonkeyPatch) -> None:
    kb = KnowledgeBase(kbs[0].path)
    monkeypatch.setattr(store, "ALIAS_CACHE_SIZE", 2)
    first = kb.candidates("Springfield")
    kb.candidates("Ruritania")
    assert kb.candidates("Springfield") is first  # a hit, now the most recent
    kb.candidates("Smith Springs")
    assert list(kb._alias_cache) == ["springfield", "smith springs"]
    assert [c.entity.qid for c in first] == ["Q8", "Q9"]


def test_the_lists_are_deflated_with_the_kb_dictionary(kbs: tuple[KnowledgeBase, KnowledgeBase], tmp_path: Path) -> None:
    """Each list inflates with the KB's own dictionary to JSON of the candidates (the Smiths'
    list, 100 rows alike, to a fraction of its size); a KB whose lists are plain JSON (built
    before the dictionary) reads the same."""
    ranked, _old = kbs
    db = sqlite3.connect(ranked.path)
    (zdict,) = db.execute("SELECT dict FROM candidate_dict").fetchone()
    (blob,) = db.execute("SELECT list FROM candidate_lists WHERE alias = 'smith'").fetchone()
    plain = unpacker(zdict)(blob)
    listed = json.loads(plain)
    assert [row[0] for row in listed] == [c.entity.qid for c in ranked.candidates("Smith")]
    assert len(blob) < len(plain) / 3
    raw = tmp_path / "plain.sqlite"
    shutil.copy(ranked.path, raw)
    copy = sqlite3.connect(raw)
    unpack = unpacker(zdict)
    copy.executemany("UPDATE candidate_lists SET list = ? WHERE alias = ?",
                     [(unpack(b), a) for a, b in copy.execute("SELECT alias, list FROM candidate_lists").fetchall()])
    copy.execute("DROP TABLE candidate_dict")
    copy.commit()
    copy.close()
    assert [(c.entity, c.alias_kind) for c in KnowledgeBase(raw).candidates("Smith")] == [(c.entity, c.alias_kind) for c in ranked.candidates("Smith")]


def test_the_entity_cache_stays_bounded(kbs: tuple[KnowledgeBase, KnowledgeBase], monkeypatch: pytest.MonkeyPatch) -> None:
    """Entities read one by one, in batches and as candidates never hold more than
    ENTITY_CACHE_SIZE (+ the last read) in the cache, the oldest going first, and a batch
    larger than the cache is still answered whole."""
    ranked, _old = kbs
    kb = KnowledgeBase(ranked.path)
    monkeypatch.setattr(store, "ENTITY_CACHE_SIZE", 20)
    smiths = [f"Q{1000 + i}" for i in range(MAX_CANDIDATES + 50)]
    assert list(kb.entities(smiths)) == smiths  # 150 asked of a cache of 20: all answered, in order
    assert len(kb._entity_cache) <= 20
    assert "Q1000" not in kb._entity_cache and smiths[-1] in kb._entity_cache
    assert kb.entity("Q5").label == "Smith"
    assert len(kb._entity_cache) <= 20
    # ~100 candidates through a cache of 20: the same as through an unbounded one
    assert [(c.entity, c.alias_kind) for c in kb.candidates("Smith")] == [(c.entity, c.alias_kind) for c in ranked.candidates("Smith")]
    assert len(kb._entity_cache) <= 20
    assert kb.entity("Q1000") == ranked.entity("Q1000")  # dropped ones are read again, the same
