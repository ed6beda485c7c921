"""Building the KB from Wikidata's SPARQL service (``newslink kb build --sparql``).

Per facet type, items that are instances of its classes are listed most popular
first (``wikibase:sitelinks``), a page at a time (``LIMIT``/``OFFSET``); for each
page one more query fetches English labels, descriptions, aliases and ``P1549``
demonyms. Requests go through :class:`http.Http` (descriptive User-Agent,
retries with backoff on 429/5xx honouring ``Retry-After``, a pause between
queries). Pages already fetched are staged with their offsets in the same
staging file the dump import uses, so an interrupted build resumes; the result
is merged with the starter KB through :func:`build.build_kb`.

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
from .http import Http, WikidataError
from .entities import CLASSES, TYPE_PRIORITY, classes_digest, good_alias
from .online import cached_online_records
from .staging import Staging, staging_path

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
ENTITY_PREFIX = "http://www.wikidata.org/entity/"
# Minimum sitelinks per type by default: keeps the KB to what news names.
DEFAULT_MIN_SITELINKS = {"person": 40, "country": 1, "place": 30, "org": 25, "weapon": 10}


class SparqlClient:
    def __init__(self, endpoint: str | None = None, http: Http | None = None) -> None:
        self.endpoint = endpoint or os.environ.get("NEWSLINK_SPARQL_URL") or DEFAULT_ENDPOINT
        self.http = http or Http(pause=float(os.environ.get("NEWSLINK_WIKIDATA_PAUSE", "1.0")), retries=5, timeout=70)

    def select(self, query: str) -> list[dict[str, Any]]:
        """The bindings of a SELECT query (SPARQL 1.1 JSON results)."""
        response = self.http.request(
            "POST", self.endpoint, data={"query": query}, headers={"Accept": "application/sparql-results+json"}
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise WikidataError(f"SPARQL endpoint {self.endpoint} did not answer JSON") from exc
        return list((data.get("results") or {}).get("bindings") or [])


def _qid(binding: dict[str, Any], var: str) -> str | None:
    value = (binding.get(var) or {}).get("value", "")
    return value[len(ENTITY_PREFIX) :] if value.startswith(ENTITY_PREFIX) else None


def list_query(class_qids: list[str], min_sitelinks: int, limit: int, offset: int) -> str:
    values = " ".join(f"wd:{q}" for q in class_qids)
    return f"""SELECT ?item ?class ?sitelinks WHERE {{
  VALUES ?class {{ {values} }}
  ?item wdt:P31 ?class ;
        wikibase:sitelinks ?sitelinks .
  FILTER(?sitelinks >= {int(min_sitelinks)})
}}
ORDER BY DESC(?sitelinks) ?item
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
        class_qids = sorted(q for q, (t, _k) in self.classes.items() if t == type_)
        if not class_qids or self.staging.get(f"done:{type_}") == "1":
            return
        offset = int(self.staging.get(f"offset:{type_}", "0") or 0)
        while self.limit is None or offset < self.limit:
            size = self.page_size if self.limit is None else min(self.page_size, self.limit - offset)
            rows = self.client.select(list_query(class_qids, self.min_sitelinks.get(type_, 0), size, offset))
            self.staging.put(page_records(self.client, rows, self.classes, self.lang))
            offset += size
            self.staging.set(**{f"offset:{type_}": offset})
            self.staging.commit()
            if progress:
                progress(type_, offset)
            if len(rows) < size:
                break
        self.staging.set(**{f"done:{type_}": 1})
        self.staging.commit()

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


def iter_sparql_records(client: SparqlClient, type_: str, classes: dict[str, tuple[str, str]], *, min_sitelinks: int = 0, page_size: int = 500, lang: str = "en") -> Iterator[EntityRecord]:
    """All records of one type, page by page (no staging)."""
    class_qids = sorted(q for q, (t, _k) in classes.items() if t == type_)
    offset = 0
    while class_qids:
        rows = client.select(list_query(class_qids, min_sitelinks, page_size, offset))
        yield from page_records(client, rows, classes, lang)
        if len(rows) < page_size:
            return
        offset += page_size
