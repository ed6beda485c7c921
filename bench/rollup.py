"""Country roll-up on real news: how many articles gain a country facet from the places they link.

Indexes a corpus with ``newslink index`` into a temp data dir (or reads the index of
``--home DIR``), then counts per stored document: the countries the text names
(``entities.country_named``) and the ones rolled up from its places (entity-list rows
with ``via``). Prints how many articles have a country facet with and without the
roll-up, the countries gained most often, and the linked places that gave no country
(continents, seas, regions across borders; a curated place missing here is a gap in
``kb_data/located/countries.tsv``). Checks that the engine's filter agrees with the
stored documents in both scopes (``--country-scope``) for the most-gained country.

    .venv/bin/python bench/rollup.py [--corpus newsarticles2017] [--home DIR] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check, corpus_file, key_line, machine_line, newslink_cmd, prepare_home, run_child, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="newsarticles2017")
    parser.add_argument("--home", type=Path, help="read the index already in this data dir (no indexing)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(machine_line())
    if args.home is None:
        args.home = Path(tempfile.mkdtemp(prefix="newslink-rollup-"))
        env = prepare_home(args.home)
        print(f"indexing {args.corpus} into {args.home} …", flush=True)
        check(run_child(newslink_cmd(args.home, "index", "--workers", str(args.workers), str(corpus_file(args.corpus))), env), "index")
    os.environ["NEWSLINK_HOME"] = str(args.home)
    from newslink.indexer.kb.loader import open_kb
    from newslink.search.engines import open_engine
    from newslink.search.query import SearchQuery

    kb = open_kb()
    engine = open_engine()
    docs = named_docs = any_docs = gained_docs = rolled_docs = derived_rows = place_links = 0
    gained: Counter[str] = Counter()
    unplaced: Counter[str] = Counter()
    for doc in engine.iter_documents():
        docs += 1
        entities = doc.get("entities") or {}
        derived = [e for e in doc.get("entity_list") or [] if e.get("via")]
        named_docs += bool(entities.get("country_named"))
        any_docs += bool(entities.get("country"))
        gained_docs += bool(derived) and not entities.get("country_named")
        rolled_docs += bool(derived)
        derived_rows += len(derived)
        gained.update(e["label"] for e in derived)
        for e in doc.get("entity_list") or []:
            if e.get("type") == "place":
                place_links += 1
                ent = kb.entity(e["qid"])
                if ent is None or not ent.country or ent.country == ent.qid:
                    unplaced[e.get("label") or e["qid"]] += 1
    if not docs:
        sys.exit(f"no documents in the index of {args.home}")
    print(table(["", "articles", "share"], [
        ["documents", docs, "100 %"],
        ["with a named country", named_docs, f"{named_docs / docs:.1%}"],
        ["with a country (named or rolled up)", any_docs, f"{any_docs / docs:.1%}"],
        ["with a rolled-up country", rolled_docs, f"{rolled_docs / docs:.1%}"],
        ["gaining their first country by roll-up", gained_docs, f"{gained_docs / docs:.1%}"],
    ]))
    print(f"\nrolled-up country rows: {derived_rows:,} (of {place_links:,} place links; "
          f"{sum(unplaced.values()):,} place links have no KB country)")
    print("\ncountries gained most often:", ", ".join(f"{k} {n}" for k, n in gained.most_common(10)))
    print("places without a country most often:", ", ".join(f"{k} {n}" for k, n in unplaced.most_common(12)))
    top = gained.most_common(1)
    agree = True
    if top:
        qid = kb.resolve(top[0][0], "country").qid
        wide = engine.search(SearchQuery(filters={"country": [qid]}, size=0, facets=())).total
        narrow = engine.search(SearchQuery(filters={"country": [qid]}, size=0, facets=(), country_scope="named")).total
        stored_wide = sum(1 for d in engine.iter_documents() if qid in (d.get("entities") or {}).get("country", []))
        stored_narrow = sum(1 for d in engine.iter_documents() if qid in (d.get("entities") or {}).get("country_named", []))
        agree = (wide, narrow) == (stored_wide, stored_narrow)
        print(f"\n--country {top[0][0]}: {wide:,} articles; --country-scope named: {narrow:,} "
              f"({'agrees with' if agree else 'DIFFERS from'} the stored documents)")
    print(key_line("rollup", {
        "docs": docs, "named": named_docs, "with_country": any_docs, "rolled": rolled_docs, "gained": gained_docs,
        "derived_rows": derived_rows, "engine_agrees": agree,
    }))
    engine.close()


if __name__ == "__main__":
    main()
