"""The indexed Document: an Article plus its entity facets, display entities and
the mentions that produced them (kept so re-linking never has to re-parse)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from .article import Article
from .codeversion import code_version
from .schema import COUNTRY_NAMED, FACET_TYPES
from .linking import Link
from .linking.unlinked import UnlinkedName
from .rollup import EntityLookup, rolled_up_countries


# Part of every content hash, with the code version (``codeversion.py``: a digest
# of the linking code's sources, so a linker change re-does stored articles by
# itself). Bump it only to force a re-parse the sources cannot show (a change of
# meaning in data the code reads from elsewhere).
DOCUMENT_FORMAT = 1


def content_hash(article: Article) -> str:
    """A digest of everything of ``article`` that shapes its document.

    Stored with the document (``content_hash``) beside ``kb_version``: an index job
    that reads an article whose id, hash and KB version are already in the index
    skips it without parsing. The fields are those the document keeps besides its id (title, text,
    date, source, url, meta), as the reader normalised them, so a re-read of the same
    record always hashes the same and an edit of any of them does not. The code
    version is in it too: a document made by other linking code is not skipped.
    """
    fields = {k: v for k, v in article.to_dict().items() if k != "id"}  # the id is what the hash is stored under
    basis = json.dumps([DOCUMENT_FORMAT, code_version(), fields], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(basis.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def build_document(
    article: Article, links: list[Link], kb_version: str, kb: EntityLookup | None = None, *, unlinked: Sequence[UnlinkedName] = ()
) -> dict[str, Any]:
    """JSON-ready document for any engine.

    ``entities[type]`` holds the linked QIDs and the keys of the ``unlinked``
    names (``name:ben-chavis``, marked ``unlinked`` in ``entity_list``): the facets.
    NIL mentions are kept in ``mentions`` with ``qid: None`` (and ``unlinked``: the
    name key they count for) so a later re-link with a bigger KB can pick them up.
    With ``kb``, the countries of the linked places are rolled up
    (``indexer/rollup.py``): they join ``entities.country`` and the entity list
    (with ``via``), while ``entities.country_named`` keeps the countries the text names.
    """
    mentions: list[dict[str, Any]] = []
    summary: dict[str, dict[str, Any]] = {}
    named = {i: ent for ent in unlinked for i in ent.mentions}
    for i, link in enumerate(links):
        field, start, end = article.split_offset(link.mention.start, link.mention.end)
        row = link.to_dict()
        row.update(field=field, start=start, end=end, offset=link.mention.start)
        if i in named:
            row["unlinked"] = named[i].key
        mentions.append(row)
        if not link.qid:
            continue
        ent = summary.get(link.qid)
        if ent is None:
            summary[link.qid] = {
                "qid": link.qid,
                "label": link.label,
                "type": link.type,
                "count": 1,
                "first_offset": link.mention.start,
                "confidence": round(link.confidence, 3),
            }
        else:
            ent["count"] += 1
            ent["confidence"] = max(ent["confidence"], round(link.confidence, 3))
    for ent in unlinked:
        summary.setdefault(ent.key, {
            "qid": ent.key,
            "label": ent.label,
            "type": ent.type,
            "count": len(ent.mentions),
            "first_offset": links[ent.first].mention.start,
            "confidence": 0.0,
            "unlinked": True,
        })
    entity_list = list(summary.values())
    if kb is not None:
        entity_list += rolled_up_countries(entity_list, kb)
    entity_list.sort(key=lambda e: (-e["count"], e["first_offset"]))  # derived ones (count 0) last
    facets = {t: [e["qid"] for e in entity_list if e["type"] == t] for t in FACET_TYPES}
    derived = {e["qid"] for e in entity_list if "via" in e}
    facets[COUNTRY_NAMED] = [q for q in facets["country"] if q not in derived]
    doc = article.to_dict()
    doc.update(entities=facets, entity_list=entity_list, mentions=mentions, kb_version=kb_version, content_hash=content_hash(article))
    return doc


def article_from_document(doc: dict[str, Any]) -> Article:
    """The stored article inside a document (the source of truth for reindex)."""
    return Article(
        id=doc["id"],
        title=doc.get("title") or "",
        text=doc.get("text") or "",
        published=doc.get("published"),
        source=doc.get("source"),
        url=doc.get("url"),
        meta=doc.get("meta") or {},
    )
