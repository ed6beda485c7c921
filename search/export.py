"""Every match of a query as JSON Lines or CSV, streamed in constant memory.

Hits come from :meth:`Engine.scan` (id order, cursor paging, no 10,000 window) and are
turned into text one at a time, so the CLI writes to stdout and the API streams a
download from the same generators. A spreadsheet user gets one row per article with,
per entity type, the labels and the QIDs (``; ``-separated, most mentioned first).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from newslink.indexer.schema import FACET_TYPES

from .results import Hit

FORMATS = ("jsonl", "csv")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
COLUMNS = ("id", "published", "source", "title", "url", *(c for t in FACET_TYPES for c in (t, f"{t}_qids")))


def record(hit: Hit) -> dict[str, Any]:
    """One exported article: where it is from and its linked entities per type."""
    entities: dict[str, list[dict[str, Any]]] = {t: [] for t in FACET_TYPES}
    for e in hit.entities:
        if e.get("type") in entities:
            row = {"qid": e.get("qid"), "label": e.get("label"), "mentions": e.get("count")}
            if e.get("via"):  # a country rolled up from these places, not named in the text
                row["via"] = e["via"]
            entities[e["type"]].append(row)
    return {"id": hit.id, "published": hit.published, "source": hit.source, "title": hit.title, "url": hit.url, "entities": entities}


def jsonl_lines(hits: Iterable[Hit]) -> Iterator[str]:
    for hit in hits:
        yield json.dumps(record(hit), ensure_ascii=False) + "\n"


def csv_row(hit: Hit) -> list[str]:
    rec = record(hit)
    row = [rec["id"], rec["published"] or "", rec["source"] or "", rec["title"], rec["url"] or ""]
    for t in FACET_TYPES:
        row += ["; ".join(e["label"] or e["qid"] for e in rec["entities"][t]), "; ".join(e["qid"] for e in rec["entities"][t])]
    return row


def csv_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """RFC 4180 CSV (quoted where needed, CRLF), header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for hit in hits:
        writer.writerow(csv_row(hit))
        yield flush()


def lines(hits: Iterable[Hit], fmt: str) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {' or '.join(FORMATS)})")
    return jsonl_lines(hits) if fmt == "jsonl" else csv_lines(hits)
