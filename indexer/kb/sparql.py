"""Building the KB from Wikidata's SPARQL service (``newslink kb build --sparql``).

The service stops every query after 60 s, and a query over all instances of a big
class (10 M humans) sorted by popularity never finishes. So every listing query asks
for one class and one *sitelink band* (``FILTER(?sitelinks >= lo && ?sitelinks < hi)``),
a page at a time (``LIMIT``/``OFFSET`` over ``ORDER BY ?item``): a band holds only so
many items, and bands go from the most linked down, so ``--limit`` still keeps the most
popular. A band whose query times out anyway is split in two (or, a band of one
sitelink count, paged smaller) and retried: a timeout is not retried as it was sent.
For each page one more query fetches English labels, descriptions, aliases and
``P1549`` demonyms. Requests go through :class:`http.Http` (descriptive User-Agent,
retries with backoff on 429/5xx honouring ``Retry-After``, a pause between queries).
The walk (band, class, the bands still to do, the offset in the current one) is
staged after every page in the staging file the dump import uses, so an interrupted
build resumes; the result is merged with the starter KB through :func:`build.build_kb`.

``NEWSLINK_SPARQL_URL`` points it at another endpoint (tests use a local server).
"""
from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from .build import EntityRecord, build_kb, kb_sources, shipped_open, starter_records
from .http import Http, QueryTimeout, WikidataError
from .entities import CLASSES, TYPE_PRIORITY, classes_digest, good_alias
from .online import cached_online_records
from .staging import Staging, staging_path

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
ENTITY_PREFIX = "http://www.wikidata.org/entity/"
# Minimum sitelinks per type by default: keeps the KB to what news names.
DEFAULT_MIN_SITELINKS = {"person": 40, "country": 1, "place": 30, "org": 25, "weapon": 10}
# Lower edges of the sitelink bands, most linked first (the last band of a type starts at
# its minimum). Few items have many sitelinks, so the upper bands are wide and the lower
# ones narrow: each holds a number of items one query can list in time.
BAND_EDGES = (1000, 300, 150, 100, 70, 50, 40, 30, 25, 20, 15, 12, 10, 8, 6, 5, 4, 3, 2, 1, 0)
# A page of a band that keeps timing out is halved down to this before the import gives up.
MIN_PAGE = 25


class SparqlClient:
    def __init__(self, endpoint: str | None = None, http: Http | None = None) -> None:
        self.endpoint = endpoint or os.environ.get("NEWSLINK_SPARQL_URL") or DEFAULT_ENDPOINT
        self.http = http or Http(pause=float(os.environ.get("NEWSLINK_WIKIDATA_PAUSE", "1.0")), retries=5, timeout=70)

    def select(self, query: str) -> list[dict[str, Any]]:
        """The bindings of a SELECT query (SPARQL 1.1 JSON results)."""
        response = self.http.request(
            "POST", self.endpoint, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeouts_final=True
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise WikidataError(f"SPARQL endpoint {self.endpoint} did not answer JSON") from exc
        return list((data.get("results") or {}).get("bindings") or [])


def _qid(binding: dict[str, Any], var: str) -> str | None:
    value = (binding.get(var) or {}).get("value", "")
    return value[len(ENTITY_PREFIX) :] if value.startswith(ENTITY_PREFIX) else None


def bands(min_sitelinks: int) -> list[tuple[int, int | None]]:
    """(lo, hi) sitelink bands from the most linked down to ``min_sitelinks`` (hi None: no upper bound)."""
    edges = [e for e in BAND_EDGES if e > min_sitelinks] + [max(0, min_sitelinks)]
    return [(lo, edges[i - 1] if i else None) for i, lo in enumerate(edges)]


def list_query(class_qid: str, lo: int, hi: int | None, limit: int, offset: int) -> str:
    """One page of the instances of one class whose sitelink count is in [lo, hi)."""
    band = f"?sitelinks >= {int(lo)}" + (f" && ?sitelinks < {int(hi)}" if hi is not None else "")
    return f"""SELECT ?item ?sitelinks WHERE {{
  ?item wdt:P31 wd:{class_qid} ;
        wikibase:sitelinks ?sitelinks .
  FILTER({band})
}}
ORDER BY ?item
LIMIT {int(limit)} OFFSET {int(offset)}"""


def details_query(qids: list[str], lang: str) -> str:
    values = " ".join(f"wd:{q}" for q in qids)
    return f"""SELECT ?item ?what ?value WHERE {{
  VALUES ?item {{ {values} }}
  {{ ?item rdfs:label ?value . BIND("label" AS ?what) }}
  UNION {{ ?item schema:description ?value . BIND("description" AS ?what) }}
  UNION {{ ?item skos:altLabel ?value . BIND("alias" AS ?what) }}
  UNION {{ ?item wdt:P1549 ?value . BIND("demonym" AS ?what) }}
  FILTER(LANG(?value) = "{lang}")
}}"""


def page_records(client: SparqlClient, rows: list[dict[str, Any]], classes: dict[str, tuple[str, str]], lang: str) -> list[EntityRecord]:
    """Records of one listed page, with their labels, aliases and demonyms."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        qid, cls = _qid(row, "item"), _qid(row, "class")
        if not qid or cls not in classes:
            continue
        type_, kind = classes[cls]
        prev = found.get(qid)
        sitelinks = float((row.get("sitelinks") or {}).get("value") or 0)
        if prev is None or TYPE_PRIORITY.index(type_) < TYPE_PRIORITY.index(prev["type"]):
            found[qid] = {"type": type_, "kind": kind, "popularity": sitelinks}
    if not found:
        return []
    texts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in client.select(details_query(sorted(found), lang)):
        qid = _qid(row, "item")
        what = (row.get("what") or {}).get("value")
        value = ((row.get("value") or {}).get("value") or "").strip()
        if qid in found and what and value and value not in texts[qid][what]:
            texts[qid][what].append(value)
    out = []
    for qid, info in found.items():
        label = (texts[qid].get("label") or [""])[0]
        if not label:
            continue
        out.append(
            EntityRecord(
                qid=qid,
                type=info["type"],
                label=label,
                kind=info["kind"],
                popularity=info["popularity"],
                description=(texts[qid].get("description") or [""])[0],
                aliases=[a for a in texts[qid].get("alias", []) if good_alias(a, label)],
                demonyms=texts[qid].get("demonym", []),
                origin="wikidata",
            )
        )
    return out


Progress = Callable[[str, int], None]  # (type, records of that type so far)


class SparqlImport:
    def __init__(
        self,
        target: Path,
        *,
        client: SparqlClient | None = None,
        classes: dict[str, tuple[str, str]] | None = None,
        min_sitelinks: dict[str, int] | int | None = None,
        limit: int | None = None,
        page_size: int = 500,
        lang: str = "en",
        resume: bool = True,
        shipped: list[str] | None = None,
    ) -> None:
        self.target = Path(target)
        self.shipped = kb_sources() if shipped is None else shipped
        self.client = client or SparqlClient()
        self.classes = dict(CLASSES if classes is None else classes)
        if isinstance(min_sitelinks, int):
            min_sitelinks = {t: min_sitelinks for t in TYPE_PRIORITY}
        self.min_sitelinks = {**DEFAULT_MIN_SITELINKS, **(min_sitelinks or {})}
        self.limit = limit
        self.page_size = page_size
        self.lang = lang
        self.staging = Staging(staging_path(self.target))
        options = json.dumps(
            {"sparql": self.client.endpoint, "classes": classes_digest(self.classes), "min": self.min_sitelinks, "limit": limit, "page": page_size, "lang": lang},
            sort_keys=True,
        )
        if not resume or self.staging.get("options") != options:
            self.staging.reset()
            self.staging.set(options=options)
            self.staging.commit()

    def _fetch_type(self, type_: str, progress: Progress | None) -> None:
        """Every class of ``type_``, band by band (most linked first), page by page.

        The walk's state is staged after every page: the band and class it is at, the
        (lo, hi, offset) pieces of that band still to list (a band that timed out is
        two pieces), the page size and how many records the type has.
        """
        class_qids = sorted(q for q, (t, _k) in self.classes.items() if t == type_)
        key = f"walk:{type_}"
        if not class_qids or self.staging.get(f"done:{type_}") == "1":
            return
        walk_bands = bands(self.min_sitelinks.get(type_, 0))
        state = json.loads(self.staging.get(key) or "null") or {"band": 0, "class": 0, "pieces": None, "page": self.page_size, "count": 0}
        while state["band"] < len(walk_bands) and (self.limit is None or state["count"] < self.limit):
            cls = class_qids[state["class"]]
            if state["pieces"] is None:
                state["pieces"] = [[*walk_bands[state["band"]], 0]]
            if not state["pieces"]:  # this class's band is done: next class, then next band
                state.update(pieces=None, page=self.page_size)
                state["class"] += 1
                if state["class"] == len(class_qids):
                    state.update({"class": 0, "band": state["band"] + 1})
                continue
            lo, hi, offset = state["pieces"][0]
            size = state["page"] if self.limit is None else min(state["page"], self.limit - state["count"])
            try:
                rows = self.client.select(list_query(cls, lo, hi, size, offset))
            except QueryTimeout:
                self._narrow(state, cls)
                continue
            for row in rows:
                row["class"] = {"type": "uri", "value": ENTITY_PREFIX + cls}
            records = page_records(self.client, rows, self.classes, self.lang)
            state["count"] += self.staging.put_new(records)
            if len(rows) < size:
                state["pieces"].pop(0)
            else:
                state["pieces"][0][2] = offset + size
            self.staging.set(**{key: json.dumps(state)})
            self.staging.commit()
            if progress:
                progress(type_, state["count"])
        self.staging.set(**{f"done:{type_}": 1})
        self.staging.commit()

    def _narrow(self, state: dict[str, Any], cls: str) -> None:
        """After a timeout: split the band piece in two, or page it smaller, or give up."""
        lo, hi, offset = state["pieces"][0]
        if offset == 0 and hi is not None and hi - lo > 1:
            mid = (lo + hi) // 2
            state["pieces"][0:1] = [[mid, hi, 0], [lo, mid, 0]]
        elif offset == 0 and hi is None:
            state["pieces"][0:1] = [[lo * 2 or 1, None, 0], [lo, lo * 2 or 1, 0]]
        elif state["page"] > MIN_PAGE:
            state["page"] = max(MIN_PAGE, state["page"] // 2)
        else:
            raise WikidataError(f"SPARQL: listing {cls} with {lo}..{hi if hi is not None else ''} sitelinks times out even {state['page']} at a time")

    def run(self, progress: Progress | None = None) -> dict[str, Any]:
        started = time.time()
        for type_ in TYPE_PRIORITY:
            self._fetch_type(type_, progress)
        staged = self.staging.count()
        records = chain(starter_records(), self.staging.records(), cached_online_records(self.target), shipped_open(self.shipped))
        result = build_kb(self.target, records, sources=[*self.shipped, "wikidata-sparql"], extra_meta={"sparql_entities": str(staged)})
        self.staging.remove()
        result.update(staged=staged, requests=self.client.http.requests, seconds=round(time.time() - started, 2))
        return result
