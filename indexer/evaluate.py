"""`newslink eval`: link an entity-linking benchmark and score the links.

Benchmarks are in ELEVANT's JSONL format (one article per line with ``text``,
``evaluation_span`` [a, b] and ``labels``: ``span`` [s, e], ``entity_id`` "Q…" or
"<NIL>", ``type`` "Q215627|…", optional ``parent``/``coref``). Predictions are
written in ELEVANT's ``linked_articles`` format
(``{"id", "entity_mentions": [{"span": [s, e], "id": "Q…"}]}``).

Scoring follows the project's reference scorer (``../shared/eval/score.py``) rule
for rule, so that the figures here and there agree:

* only gold labels inside the evaluation span count; labels with a ``parent`` and
  coreference labels (pronouns) are left out; the target types are person
  (Q215627), geographic entity (Q27096213) and organization (Q43229);
* a prediction overlapping a gold label of another type (a date, a product) is
  ignored; one on unannotated text is a false link;
* **facet** P/R/F1: per article, the set of predicted QIDs vs the set of gold QIDs;
* **mention** P/R/F1: a prediction is right when it overlaps a not yet used gold
  label with the same QID;
* per type, recall is score.py's ``score(gold, pred, {type})``. score.py gives no
  per-type precision; ours counts the predictions whose KB type maps to that type
  (person; country/place -> geo; org), a prediction of that type on a gold label
  of another target type being wrong.

On top of that, KB coverage (how many gold target entities the KB holds at all)
and in-KB accuracy tell linking apart from coverage: of the gold mentions whose
entity the KB holds and that got a link, the share linked to the right QID.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET = {"Q215627": "person", "Q27096213": "geo", "Q43229": "org"}
TYPE_QIDS = {name: qid for qid, name in TARGET.items()}
# Facet type of a KB entity -> the benchmark's target type.
FACET_TO_TARGET = {"person": "person", "country": "geo", "place": "geo", "org": "org"}

PRF = tuple[float, float, float]


class BenchmarkError(ValueError):
    """The benchmark file is not in ELEVANT's JSONL format."""


# --------------------------------------------------------------------------- io
def load_jsonl(path: str | Path) -> dict[str, dict[str, Any]]:
    """Articles of a benchmark or prediction file by id (as a string)."""
    out: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchmarkError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(doc, dict) or "id" not in doc:
                raise BenchmarkError(f"{path}:{number}: expected an object with an 'id'")
            out[str(doc["id"])] = doc
    return out


def check_benchmark(gold: dict[str, dict[str, Any]], path: str | Path = "benchmark") -> None:
    for key, doc in gold.items():
        if not isinstance(doc.get("text"), str) or not isinstance(doc.get("labels"), list):
            raise BenchmarkError(f"{path}: article {key} lacks 'text' or 'labels' (not an ELEVANT benchmark)")


def write_predictions(pred: dict[str, dict[str, Any]], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for doc in pred.values():
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- linking
def predict(pipeline: Any, gold: dict[str, dict[str, Any]], on_progress: Callable[[int], None] = lambda n: None) -> dict[str, dict[str, Any]]:
    """Run the indexing pipeline on every benchmark text; ELEVANT predictions.

    Uses :meth:`EntityPipeline.process`, the path ``newslink index`` takes, on
    articles without a title so that mention offsets index ``text`` itself.
    """
    from .article import Article

    articles = (Article(id=key, title="", text=doc["text"]) for key, doc in gold.items())
    out: dict[str, dict[str, Any]] = {}
    for article, links in pipeline.process(articles):
        mentions = []
        for link in links:
            if not link.qid:
                continue
            mentions.append(
                {
                    "span": [link.mention.start, link.mention.end],
                    "id": link.qid,
                    "type": link.type,
                    "label": link.label,
                    "confidence": round(link.confidence, 3),
                    "linked_by": f"newslink:{link.method}",
                }
            )
        out[article.id] = {"id": gold[article.id].get("id", article.id), "entity_mentions": mentions}
        on_progress(1)
    return out


# --------------------------------------------------------------------------- scoring (score.py rules)
def gold_labels(doc: dict[str, Any]) -> tuple[list[dict], list[dict], tuple[int, int]]:
    """(target labels, other labels, evaluation span) of one gold article."""
    a, b = doc.get("evaluation_span") or (0, len(doc["text"]))
    keep: list[dict] = []
    other: list[dict] = []
    for lab in doc["labels"]:
        s, e = lab["span"]
        if s < a or e > b or lab.get("parent") is not None:
            continue
        types = set(str(lab.get("type", "")).split("|"))
        target = lab["entity_id"].startswith("Q") and types & TARGET.keys() and not lab.get("coref")
        (keep if target else other).append(lab)
    return keep, other, (a, b)


def overlaps(x: list[int] | tuple[int, int], y: list[int] | tuple[int, int]) -> bool:
    return x[0] < y[1] and y[0] < x[1]


def prf(tp: int, fp: int, fn: int) -> PRF:
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    return pr, rc, f


def _predicted(pdoc: dict[str, Any] | None, a: int, b: int) -> list[dict]:
    return [
        m
        for m in (pdoc or {}).get("entity_mentions", [])
        if str(m.get("id", "")).startswith("Q") and a <= m["span"][0] and m["span"][1] <= b
    ]


def score(gold: dict[str, dict], pred: dict[str, dict], types: set[str] | None = None) -> tuple[PRF, PRF]:
    """(facet P/R/F1, mention P/R/F1) exactly as ../shared/eval/score.py computes them."""
    tally = [0] * 6  # facet tp, fp, fn; mention tp, fp, fn
    for key, gdoc in gold.items():
        keep, other, (a, b) = gold_labels(gdoc)
        if types:
            keep = [l for l in keep if set(l["type"].split("|")) & types]
        counted = []
        for m in _predicted(pred.get(key), a, b):
            if any(overlaps(m["span"], l["span"]) for l in keep):
                counted.append(m)
            elif any(overlaps(m["span"], l["span"]) for l in other):
                continue  # on a gold label of another type: ignored
            elif types is None:
                counted.append(m)  # on nothing annotated: a false link
        tally = [t + d for t, d in zip(tally, _tally(counted, keep))]
    return prf(*tally[:3]), prf(*tally[3:])


def _tally(counted: list[dict[str, Any]], labels: list[dict[str, Any]]) -> tuple[int, int, int, int, int, int]:
    """Facet (per article, sets of QIDs) and mention counts of one article:
    facet tp, fp, fn, then mention tp, fp, fn."""
    gset = {l["entity_id"] for l in labels}
    pset = {m["id"] for m in counted}
    right = _matched_mentions(counted, labels)
    return len(gset & pset), len(pset - gset), len(gset - pset), right, len(counted) - right, len(labels) - right


def _matched_mentions(predicted: list[dict[str, Any]], labels: list[dict[str, Any]]) -> int:
    """How many predictions hit a gold label of the same QID, each label used once
    (score.py's mention rule: a second link on one label is a false positive)."""
    used: set[int] = set()
    for m in predicted:
        hit = next(
            (i for i, l in enumerate(labels) if i not in used and overlaps(m["span"], l["span"]) and l["entity_id"] == m["id"]),
            None,
        )
        if hit is not None:
            used.add(hit)
    return len(used)


def annotated_precision(gold: dict[str, dict], pred: dict[str, dict]) -> dict[str, Any]:
    """Precision where the benchmark has an opinion: only predictions that overlap
    a gold target label count (sparse benchmarks leave many real names
    unannotated, and score.py counts a link there as false)."""
    tp = fp = mtp = mfp = unannotated = 0
    for key, gdoc in gold.items():
        keep, other, (a, b) = gold_labels(gdoc)
        on_gold = []
        for m in _predicted(pred.get(key), a, b):
            if any(overlaps(m["span"], l["span"]) for l in keep):
                on_gold.append(m)
            elif not any(overlaps(m["span"], l["span"]) for l in other):
                unannotated += 1
        gset = {l["entity_id"] for l in keep}
        pset = {m["id"] for m in on_gold}
        tp += len(gset & pset)
        fp += len(pset - gset)
        for m in on_gold:
            if any(overlaps(m["span"], l["span"]) and l["entity_id"] == m["id"] for l in keep):
                mtp += 1
            else:
                mfp += 1
    return {
        "facet_p": tp / (tp + fp) if tp + fp else 0.0,
        "mention_p": mtp / (mtp + mfp) if mtp + mfp else 0.0,
        "unannotated_links": unannotated,
    }


# --------------------------------------------------------------------------- per-type precision, coverage
def _pred_target(m: dict[str, Any], kb: Any) -> str | None:
    facet = m.get("type")
    if facet is None and kb is not None:
        ent = kb.entity(m["id"])
        facet = ent.type if ent else None
    return FACET_TO_TARGET.get(facet or "")


def typed_score(gold: dict[str, dict], pred: dict[str, dict], target: str, kb: Any = None) -> tuple[PRF, PRF]:
    """Facet and mention P/R/F1 of one target type, predictions typed by the KB.

    Gold: the target labels of that type. Predictions: those whose entity type maps
    to it; one overlapping a gold label of that type is scored, one overlapping a
    target label of another type is wrong, one on a non-target label is ignored,
    one on unannotated text is a false link.
    """
    qid = TYPE_QIDS[target]
    tally = [0] * 6  # facet tp, fp, fn; mention tp, fp, fn
    for key, gdoc in gold.items():
        keep, other, (a, b) = gold_labels(gdoc)
        mine = [l for l in keep if qid in set(l["type"].split("|"))]
        others = [l for l in keep if qid not in set(l["type"].split("|"))]
        counted = []
        for m in _predicted(pred.get(key), a, b):
            if _pred_target(m, kb) != target:
                continue
            if any(overlaps(m["span"], l["span"]) for l in mine) or any(overlaps(m["span"], l["span"]) for l in others):
                counted.append(m)
            elif any(overlaps(m["span"], l["span"]) for l in other):
                continue
            else:
                counted.append(m)
        tally = [t + d for t, d in zip(tally, _tally(counted, mine))]
    return prf(*tally[:3]), prf(*tally[3:])


def coverage(gold: dict[str, dict], pred: dict[str, dict], kb: Any) -> dict[str, Any]:
    """How many gold target entities the KB holds, and how well those are linked."""
    entities = set()  # distinct gold QIDs
    pairs = in_kb_pairs = 0  # (article, QID) facet values
    mentions = in_kb_mentions = linked = correct = 0
    facet_tp = 0
    for key, gdoc in gold.items():
        keep, _other, (a, b) = gold_labels(gdoc)
        preds = _predicted(pred.get(key), a, b)
        pset = {m["id"] for m in preds}
        gset = {l["entity_id"] for l in keep}
        entities |= gset
        pairs += len(gset)
        held = {q for q in gset if kb.entity(q) is not None}
        in_kb_pairs += len(held)
        facet_tp += len(held & pset)
        for lab in keep:
            mentions += 1
            if lab["entity_id"] not in held:
                continue
            in_kb_mentions += 1
            hits = [m for m in preds if overlaps(m["span"], lab["span"])]
            if hits:
                linked += 1
                if any(m["id"] == lab["entity_id"] for m in hits):
                    correct += 1
    held_entities = sum(1 for q in entities if kb.entity(q) is not None)
    return {
        "gold_entities": len(entities),
        "kb_entities": held_entities,
        "entity_coverage": held_entities / len(entities) if entities else 0.0,
        "gold_facets": pairs,
        "kb_facets": in_kb_pairs,
        "facet_coverage": in_kb_pairs / pairs if pairs else 0.0,
        "gold_mentions": mentions,
        "kb_mentions": in_kb_mentions,
        "mention_coverage": in_kb_mentions / mentions if mentions else 0.0,
        "in_kb_linked": linked,
        "in_kb_correct": correct,
        "in_kb_accuracy": correct / linked if linked else 0.0,
        "in_kb_mention_recall": correct / in_kb_mentions if in_kb_mentions else 0.0,
        "in_kb_facet_recall": facet_tp / in_kb_pairs if in_kb_pairs else 0.0,
    }


def _prf_dict(values: PRF) -> dict[str, float]:
    return {"p": values[0], "r": values[1], "f1": values[2]}


def rounded(data: Any, digits: int = 4) -> Any:
    """A copy of a report with every float rounded (for JSON output)."""
    if isinstance(data, float):
        return round(data, digits)
    if isinstance(data, dict):
        return {k: rounded(v, digits) for k, v in data.items()}
    if isinstance(data, list):
        return [rounded(v, digits) for v in data]
    return data


def evaluate(gold: dict[str, dict], pred: dict[str, dict], kb: Any = None) -> dict[str, Any]:
    """The full report: overall and per-type facet/mention scores, KB coverage."""
    facet, mention = score(gold, pred)
    report: dict[str, Any] = {
        "articles": len(gold),
        "facet": _prf_dict(facet),
        "mention": _prf_dict(mention),
        "types": {},
        "annotated": annotated_precision(gold, pred),
    }
    for qid, name in TARGET.items():
        (_, fr, _), (_, mr, _) = score(gold, pred, {qid})
        (tfp, _, _), (tmp, _, _) = typed_score(gold, pred, name, kb)
        report["types"][name] = {
            "facet": _prf_dict((tfp, fr, 2 * tfp * fr / (tfp + fr) if tfp + fr else 0.0)),
            "mention": _prf_dict((tmp, mr, 2 * tmp * mr / (tmp + mr) if tmp + mr else 0.0)),
        }
    names_only = {
        key: dict(doc, entity_mentions=[m for m in doc.get("entity_mentions", []) if m.get("linked_by") != "newslink:demonym"])
        for key, doc in pred.items()
    }
    (nf, nm) = score(gold, names_only)
    report["names_only"] = {"facet": _prf_dict(nf), "mention": _prf_dict(nm)}
    if kb is not None:
        report["kb"] = coverage(gold, pred, kb)
    return report


def score_py_line(name: str, report: dict[str, Any]) -> str:
    """The line ../shared/eval/score.py prints for the same predictions."""
    f, m = report["facet"], report["mention"]
    per = " ".join(f"{t} R={report['types'][t]['facet']['r']:.3f}" for t in TARGET.values())
    return (
        f"{name}: facet P={f['p']:.3f} R={f['r']:.3f} F1={f['f1']:.3f} | "
        f"mention P={m['p']:.3f} R={m['r']:.3f} F1={m['f1']:.3f} | {per}"
    )


def format_report(name: str, report: dict[str, Any]) -> str:
    rows = [f"{name}: {report['articles']} articles"]
    rows.append(f"{'':10} {'facet P':>6} {'R':>6} {'F1':>6}   {'mention P':>9} {'R':>6} {'F1':>6}")

    def row(label: str, block: dict[str, Any]) -> str:
        f, m = block["facet"], block["mention"]
        return f"{label:10} {f['p']:6.3f} {f['r']:6.3f} {f['f1']:6.3f}   {m['p']:9.3f} {m['r']:6.3f} {m['f1']:6.3f}"

    rows.append(row("all", report))
    for name_, block in report["types"].items():
        rows.append(row(name_, block))
    names = report.get("names_only")
    if names:
        rows.append(row("no-demonym", names) + "   (links made through a demonym left out)")
    ann = report.get("annotated")
    if ann:
        rows.append(
            f"on annotated spans only: facet P {ann['facet_p']:.3f}, mention P {ann['mention_p']:.3f} "
            f"({ann['unannotated_links']} links on text the benchmark left unannotated)"
        )
    kb = report.get("kb")
    if kb:
        rows.append(
            f"KB coverage: {kb['kb_entities']}/{kb['gold_entities']} gold entities ({kb['entity_coverage']:.1%}), "
            f"{kb['kb_mentions']}/{kb['gold_mentions']} gold mentions ({kb['mention_coverage']:.1%})"
        )
        rows.append(
            f"in-KB accuracy: {kb['in_kb_accuracy']:.3f} ({kb['in_kb_correct']}/{kb['in_kb_linked']} linked in-KB mentions right); "
            f"in-KB recall: mention {kb['in_kb_mention_recall']:.3f}, facet {kb['in_kb_facet_recall']:.3f}"
        )
    return "\n".join(rows)


# --------------------------------------------------------------------------- error analysis
@dataclass(slots=True)
class Error:
    article: str
    kind: str  # "wrong" (linked, other QID), "false" (link on unannotated text), "missed"
    text: str
    predicted: str | None
    gold: str | None
    gold_name: str | None = None
    span: tuple[int, int] = (0, 0)
    explain: dict[str, Any] | None = None  # why the linker decided so (``eval --explain``)

    def to_dict(self) -> dict[str, Any]:
        out = {"article": self.article, "kind": self.kind, "text": self.text, "span": list(self.span), "predicted": self.predicted, "gold": self.gold, "gold_name": self.gold_name}
        if self.explain is not None:
            out["explain"] = self.explain
        return out


def errors(gold: dict[str, dict], pred: dict[str, dict]) -> Iterator[Error]:
    """Mention-level mistakes, for tuning (`newslink eval --errors`)."""
    for key, gdoc in gold.items():
        keep, other, (a, b) = gold_labels(gdoc)
        text = gdoc["text"]
        preds = _predicted(pred.get(key), a, b)
        for m in preds:
            on = [l for l in keep if overlaps(m["span"], l["span"])]
            s, e = m["span"]
            if on:
                if all(l["entity_id"] != m["id"] for l in on):
                    yield Error(key, "wrong", text[s:e], m["id"], on[0]["entity_id"], on[0].get("name"), (s, e))
            elif not any(overlaps(m["span"], l["span"]) for l in other):
                yield Error(key, "false", text[s:e], m["id"], None, span=(s, e))
        for lab in keep:
            if not any(overlaps(m["span"], lab["span"]) for m in preds):
                s, e = lab["span"]
                yield Error(key, "missed", text[s:e], None, lab["entity_id"], lab.get("name"), (s, e))


def explain_errors(pipeline: Any, gold: dict[str, dict], errs: list[Error]) -> list[Error]:
    """Attach to each error the linker's explanation of the mention at its span:
    the candidates, each feature's value and score, and the rule or threshold that
    decided. A missed entity with no overlapping mention says so (NER and the
    gazetteer never saw it)."""
    by_article: dict[str, list[Error]] = {}
    for err in errs:
        by_article.setdefault(err.article, []).append(err)
    for key, article_errors in by_article.items():
        notes = pipeline.explain_text(gold[key]["text"])
        for err in article_errors:
            on = [n for n in notes if overlaps((n.mention.start, n.mention.end), err.span)]
            err.explain = on[0].to_dict() if on else {"mention": None, "why": "no mention here: NER and the gazetteer found no name"}
    return errs


def error_summary(errs: Iterable[Error], limit: int = 30) -> dict[str, list[tuple[str, int]]]:
    by_kind: dict[str, Counter] = {}
    for err in errs:
        label = f"{err.text!r} -> {err.predicted} (gold {err.gold} {err.gold_name or ''})".strip()
        by_kind.setdefault(err.kind, Counter())[label] += 1
    return {k: c.most_common(limit) for k, c in by_kind.items()}
