"""Linking time against article length: one article of repeated news sentences at
growing sizes (a 199k-character article with ~13,500 mentions once took 53 s,
because mention extraction compared every NER span with every gazetteer span and
the surname scan compared every occurrence with every mention).

    .venv/bin/python bench/long_article.py

Prints seconds per stage at each size and the time per 1,000 characters, which
stays flat when the work is linear.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import key_line, prepare_home, table  # noqa: E402

SENTENCE = (
    "President Joe Biden met Benjamin Netanyahu in Washington on Monday, and Biden said Israel and the United States "
    "would talk to Iran. Netanyahu flew back to Jerusalem while Russian drones struck Kyiv. "
)


def main() -> None:
    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.linking import Linker
    from newslink.indexer.mentions import extract_mentions
    from newslink.indexer.pipeline import _nlp_for

    home = Path(tempfile.mkdtemp(prefix="newslink-long-"))
    prepare_home(home)
    kb = KnowledgeBase(home / "kb.sqlite")
    nlp = _nlp_for(kb)
    nlp.max_length = 2_000_000
    rows, figures = [], {}
    for size in (25_000, 50_000, 100_000, 200_000):
        text = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
        t0 = time.perf_counter()
        doc = nlp(text)
        t1 = time.perf_counter()
        mentions = extract_mentions(doc, kb)
        t2 = time.perf_counter()
        links = Linker(kb).link(mentions, text)
        t3 = time.perf_counter()
        per_k = (t3 - t1) / (size / 1000)
        rows.append([f"{size:,}", f"{len(mentions):,}", f"{t1 - t0:.2f}", f"{t2 - t1:.2f}", f"{t3 - t2:.2f}", f"{per_k * 1000:.1f}"])
        figures[f"ms_per_kchar_{size // 1000}k"] = round(per_k * 1000, 2)
        assert len(links) >= len(mentions)
    print(table(["characters", "mentions", "spaCy s", "mentions s", "linking s", "mentions+linking ms per 1k chars"], rows))
    print(key_line("long_article", figures))


if __name__ == "__main__":
    main()
