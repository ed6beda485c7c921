"""Looking names the KB cannot resolve up on Wikidata (``newslink index --online``).

``wbsearchentities`` finds items whose label or alias matches the name;
``wbgetentities`` fetches them; :func:`entities.entity_record` keeps only those
whose ``P31`` class newslink facets (a class not in the list gets one ``P279``
look-up, cached). Every answer, found or not, is cached in a small SQLite file
next to the KB (``kb.online.sqlite``), so a name costs the network once; the
main KB file stays read-only and its builds atomic, and the next ``newslink kb
build`` merges the cached entities into the KB itself.

Off by default. ``NEWSLINK_WIKIDATA_API`` points it at another endpoint (tests
use a local server).
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..normalize import normalize_alias
from .build import EntityRecord
from .http import Http, WikidataError
from .store import Candidate, Entity
from .entities import CLASSES, TYPE_PRIORITY, claim_ids, entity_record

DEFAULT_API = "https://www.wikidata.org/w/api.php"
NEGATIVE_TTL = 30 * 24 * 3600  # re-ask about a name nobody knew after a month


def cache_path(kb_path: Path) -> Path:
    return kb_path.with_name(kb_path.stem + ".online.sqlite")


class WikidataAPI:
    """The two MediaWiki API modules the look-up needs."""

    def __init__(self, url: str | None = None, http: Http | None = None, lang: str = "en") -> None:
        self.url = url or os.environ.get("NEWSLINK_WIKIDATA_API") or DEFAULT_API
        self.http = http or Http(pause=float(os.environ.get("NEWSLINK_WIKIDATA_PAUSE", "0.2")), retries=4, timeout=20)
        self.lang = lang

    def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        params = dict(params, format="json", formatversion=2, maxlag=5)
        data = self.http.get_json(self.url, params)
        if isinstance(data, dict) and "error" in data:
            err = data["error"]
            raise WikidataError(f"{params['action']}: {err.get('code')}: {err.get('info')}")
        return data

    def search(self, name: str, limit: int = 7) -> list[dict[str, Any]]:
        data = self._get({"action": "wbsearchentities", "search": name, "language": self.lang, "uselang": self.lang, "type": "item", "limit": limit})
        return list(data.get("search") or [])

    def entities(self, ids: list[str], props: str = "labels|aliases|descriptions|claims|sitelinks") -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), 50):  # the API's limit per request
            chunk = ids[i : i + 50]
            data = self._get({"action": "wbgetentities", "ids": "|".join(chunk), "props": props, "languages": self.lang})
            for qid, entity in (data.get("entities") or {}).items():
                if "missing" not in entity:
                    out[qid] = entity
        return out


class OnlineCache:
    """Look-ups and entities fetched from Wikidata, in a sidecar SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        self.db.executescript(
            "PRAGMA journal_mode=WAL;"
            "CREATE TABLE IF NOT EXISTS lookups (key TEXT PRIMARY KEY, qids TEXT NOT NULL, fetched_at REAL NOT NULL);"
            "CREATE TABLE IF NOT EXISTS entities (qid TEXT PRIMARY KEY, record TEXT NOT NULL, fetched_at REAL NOT NULL);"
            "CREATE TABLE IF NOT EXISTS classes (qid TEXT PRIMARY KEY, type TEXT, kind TEXT, fetched_at REAL NOT NULL);"
        )

    def lookup(self, key: str) -> list[str] | None:
        row = self.db.execute("SELECT qids, fetched_at FROM lookups WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        qids = json.loads(row[0])
        if not qids and time.time() - row[1] > NEGATIVE_TTL:
            return None
        return qids

    def store_lookup(self, key: str, qids: list[str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO lookups VALUES (?, ?, ?)", (key, json.dumps(qids), time.time()))
        self.db.commit()

    def record(self, qid: str) -> EntityRecord | None:
        row = self.db.execute("SELECT record FROM entities WHERE qid = ?", (qid,)).fetchone()
        return EntityRecord(**json.loads(row[0])) if row else None

    def store_record(self, rec: EntityRecord) -> None:
        self.db.execute("INSERT OR REPLACE INTO entities VALUES (?, ?, ?)", (rec.qid, json.dumps(asdict(rec), ensure_ascii=False), time.time()))
        self.db.commit()

    def records(self) -> Iterator[EntityRecord]:
        for (text,) in self.db.execute("SELECT record FROM entities ORDER BY qid"):
            yield EntityRecord(**json.loads(text))

    def class_type(self, qid: str) -> tuple[str, str] | None | bool:
        """(type, kind), None for "not a class we facet", False for "not asked yet"."""
        row = self.db.execute("SELECT type, kind FROM classes WHERE qid = ?", (qid,)).fetchone()
        if row is None:
            return False
        return (row[0], row[1]) if row[0] else None

    def store_class(self, qid: str, tk: tuple[str, str] | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO classes VALUES (?, ?, ?, ?)", (qid, tk[0] if tk else None, tk[1] if tk else None, time.time()))
        self.db.commit()

    def stats(self) -> dict[str, int]:
        return {
            "lookups": self.db.execute("SELECT count(*) FROM lookups").fetchone()[0],
            "entities": self.db.execute("SELECT count(*) FROM entities").fetchone()[0],
        }

    def close(self) -> None:
        self.db.close()


class OnlineResolver:
    """Candidates for a name from Wikidata, type-checked and cached.

    ``budget`` caps the network look-ups of one run (politeness); once spent,
    only cached answers are used.
    """

    def __init__(self, api: WikidataAPI, cache: OnlineCache, *, budget: int = 500, classes: dict[str, tuple[str, str]] | None = None) -> None:
        self.api = api
        self.cache = cache
        self.budget = budget
        self.classes = dict(CLASSES if classes is None else classes)
        self.network_lookups = 0
        self.errors = 0

    @classmethod
    def for_kb(cls, kb: Any, **kwargs: Any) -> "OnlineResolver":
        return cls(WikidataAPI(), OnlineCache(cache_path(Path(kb.path))), **kwargs)

    # -- typing --------------------------------------------------------------------
    def _type_of(self, entity: dict[str, Any]) -> dict[str, tuple[str, str]]:
        """Classes to type this entity with: the known ones plus its P31 classes
        whose own P279 parents are known (one level, cached)."""
        classes = self.classes
        unknown = [c for c in claim_ids(entity, "P31") if c not in classes]
        if not unknown:
            return classes
        extra: dict[str, tuple[str, str]] = {}
        ask = []
        for c in unknown:
            cached = self.cache.class_type(c)
            if cached is False:
                ask.append(c)
            elif cached:
                extra[c] = cached
        if ask:
            fetched = self.api.entities(ask, props="claims")
            for c in ask:
                parents = claim_ids(fetched.get(c, {}), "P279")
                typed = [classes[p] for p in parents if p in classes]
                tk = min(typed, key=lambda t: TYPE_PRIORITY.index(t[0])) if typed else None
                self.cache.store_class(c, tk)
                if tk:
                    extra[c] = tk
        return {**classes, **extra} if extra else classes

    # -- look-up -------------------------------------------------------------------
    def _fetch(self, surface: str, key: str) -> list[str]:
        hits = self.api.search(surface)
        # Only items the name actually names (wbsearchentities also matches prefixes).
        ids = []
        for hit in hits:
            matched = (hit.get("match") or {}).get("text") or hit.get("label") or ""
            names = {matched, hit.get("label") or "", *(hit.get("aliases") or [])}
            if key in {normalize_alias(n) for n in names if n}:
                ids.append(hit["id"])
        qids = []
        if ids:
            for qid, entity in self.api.entities(ids).items():
                rec = entity_record(entity, self._type_of(entity), origin="online")
                if rec is not None:
                    self.cache.store_record(rec)
                    qids.append(qid)
        return qids

    def candidates(self, surface: str, types: frozenset[str] | None = None) -> list[Candidate]:
        key = normalize_alias(surface)
        if len(key) < 3:
            return []
        qids = self.cache.lookup(key)
        if qids is None:
            if self.network_lookups >= self.budget:
                return []
            self.network_lookups += 1
            try:
                qids = self._fetch(surface, key)
            except WikidataError:
                self.errors += 1
                return []  # unreachable: try again next run, never stop indexing
            self.cache.store_lookup(key, qids)
        out = []
        for qid in qids:
            rec = self.cache.record(qid)
            if rec is None or (types is not None and rec.type not in types):
                continue
            kind = "label" if normalize_alias(rec.label) == key else "alias"
            if kind == "alias" and key not in {normalize_alias(a) for a in rec.aliases}:
                continue
            entity = Entity(rec.qid, rec.type, rec.label, rec.kind, rec.description, rec.popularity, tuple(rec.aliases))
            out.append(Candidate(entity, kind))
        return out


def cached_online_records(target: Path) -> Iterator[EntityRecord]:
    """Entities `index --online` cached next to this KB: merged into every build."""
    path = cache_path(Path(target))
    if path.exists():
        cache = OnlineCache(path)
        try:
            yield from cache.records()
        finally:
            cache.close()
