"""`newslink eval`: ELEVANT benchmarks in, predictions out, scores like score.py."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newslink.indexer import evaluate as ev

TEXT = "Iraq and Iran met in Baghdad on Monday. Nouri al-Maliki spoke. Reuters reported it on 5 May."
# Iraq 0-4, Iran 9-13, Baghdad 21-28, Nouri al-Maliki 40-55, Reuters 63-70, 5 May 86-91
GOLD_DOC = {
    "id": 7,
    "title": "t",
    "text": TEXT,
    "evaluation_span": [0, len(TEXT)],
    "labels": [
        {"id": 0, "span": [0, 4], "entity_id": "Q796", "name": "Iraq", "type": "Q27096213|Q43229"},
        {"id": 1, "span": [9, 13], "entity_id": "Q794", "name": "Iran", "type": "Q27096213"},
        {"id": 2, "span": [21, 28], "entity_id": "Q1530", "name": "Baghdad", "type": "Q27096213"},
        {"id": 3, "span": [40, 55], "entity_id": "Q57673", "name": "Nouri al-Maliki", "type": "Q215627"},
        {"id": 4, "span": [86, 91], "entity_id": "QUANTITY", "name": "5 May", "type": "DATE"},
        {"id": 5, "span": [56, 61], "entity_id": "Q57673", "name": "spoke", "type": "Q215627", "coref": True},
    ],
}


def test_rules_of_score_py() -> None:
    gold = {"7": GOLD_DOC}
    pred = {
        "7": {
            "id": 7,
            "entity_mentions": [
                {"span": [0, 4], "id": "Q796"},  # right
                {"span": [9, 13], "id": "Q801"},  # wrong QID
                {"span": [63, 70], "id": "Q130879"},  # unannotated text: a false link
                {"span": [86, 91], "id": "Q5"},  # on a non-target label: ignored
                {"span": [56, 61], "id": "Q57673"},  # on a coreference label: not a target, ignored
                {"span": [40, 55], "id": "NIL"},  # not a QID: not a prediction
            ],
        }
    }
    (fp, fr, ff), (mp, mr, mf) = ev.score(gold, pred)
    # facets: gold {Q796, Q794, Q1530, Q57673}; predicted {Q796, Q801, Q130879}
    assert (fp, fr) == (1 / 3, 1 / 4)
    assert ff == pytest.approx(2 * (1 / 3) * (1 / 4) / (1 / 3 + 1 / 4))
    # mentions: 1 right of 3 counted predictions, 1 of 4 gold mentions
    assert (mp, mr) == (1 / 3, 1 / 4)
    # per type: the person was not found; Iraq counts for geo and org
    (_, person_r, _), _ = ev.score(gold, pred, {"Q215627"})
    (_, org_r, _), _ = ev.score(gold, pred, {"Q43229"})
    assert person_r == 0.0 and org_r == 1.0
    ann = ev.annotated_precision(gold, pred)
    assert ann["facet_p"] == 0.5 and ann["unannotated_links"] == 1


def test_evaluation_span_and_missing_articles() -> None:
    doc = dict(GOLD_DOC, evaluation_span=[0, 30])  # the person is outside
    gold = {"7": doc, "8": dict(GOLD_DOC, id=8)}
    pred = {"7": {"id": 7, "entity_mentions": [{"span": [40, 55], "id": "Q1"}, {"span": [0, 4], "id": "Q796"}]}}
    (fp, fr, _), _ = ev.score(gold, pred)
    assert fp == 1.0  # the link outside the evaluation span does not count
    assert fr == 1 / (3 + 4)  # article 8 has no predictions: all its gold is missed


def test_typed_scores_and_coverage() -> None:
    class KB:
        held = {"Q796": "country", "Q794": "country", "Q57673": "person"}

        def entity(self, qid):
            return type("E", (), {"type": self.held[qid]})() if qid in self.held else None

    gold = {"7": GOLD_DOC}
    pred = {
        "7": {
            "id": 7,
            "entity_mentions": [
                {"span": [0, 4], "id": "Q796", "type": "country"},
                {"span": [9, 13], "id": "Q57673", "type": "person"},  # a person on a geo label
                {"span": [40, 55], "id": "Q57673", "type": "person"},
            ],
        }
    }
    (pp, pr, _), _ = ev.typed_score(gold, pred, "person", KB())
    assert (pp, pr) == (1.0, 1.0)  # one QID, in the gold set (the set is per article)
    (_, _, _), (mp, _, _) = ev.typed_score(gold, pred, "person", KB())
    assert mp == 0.5  # the person on Iran's span is a wrong mention
    cov = ev.coverage(gold, pred, KB())
    assert cov["gold_entities"] == 4 and cov["kb_entities"] == 3
    assert cov["in_kb_linked"] == 3 and cov["in_kb_correct"] == 2
    assert cov["in_kb_accuracy"] == pytest.approx(2 / 3)
    report = ev.evaluate(gold, pred, KB())
    assert set(report["types"]) == {"person", "geo", "org"}
    text = ev.format_report("x", report)
    assert "KB coverage: 3/4" in text and "in-KB accuracy: 0.667" in text


def test_errors_lists_wrong_false_and_missed() -> None:
    gold = {"7": GOLD_DOC}
    pred = {"7": {"id": 7, "entity_mentions": [{"span": [9, 13], "id": "Q801"}, {"span": [63, 70], "id": "Q1"}]}}
    kinds = sorted((e.kind, e.text) for e in ev.errors(gold, pred))
    assert ("wrong", "Iran") in kinds and ("false", "Reuters") in kinds and ("missed", "Baghdad") in kinds


def test_load_rejects_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "x"}\nnot json\n')
    with pytest.raises(ev.BenchmarkError, match="bad.jsonl:2"):
        ev.load_jsonl(bad)
    no_labels = tmp_path / "nolabels.jsonl"
    no_labels.write_text('{"id": 1, "text": "x"}\n')
    with pytest.raises(ev.BenchmarkError):
        ev.check_benchmark(ev.load_jsonl(no_labels), no_labels)


def test_predictions_from_the_pipeline(pipeline) -> None:
    text = "Joe Biden met Benjamin Netanyahu in Washington. Biden spoke."
    gold = {"1": {"id": 1, "text": text, "evaluation_span": [0, len(text)], "labels": []}}
    pred = ev.predict(pipeline, gold)
    spans = {text[m["span"][0] : m["span"][1]]: m["id"] for m in pred["1"]["entity_mentions"]}
    assert spans["Joe Biden"] == "Q6279" and spans["Biden"] == "Q6279" and spans["Benjamin Netanyahu"] == "Q43723"
    assert pred["1"]["id"] == 1  # the benchmark's own id, not a string


def test_cli_eval(tmp_path: Path, session_home: Path) -> None:
    from newslink.search.cli import cli

    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps(GOLD_DOC) + "\n")
    out = tmp_path / "pred.jsonl"
    runner = CliRunner()
    result = runner.invoke(cli, ["eval", str(bench), "--out", str(out), "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["articles"] == 1 and "kb" in report and report["types"]["geo"]["facet"]["r"] > 0
    pred = [json.loads(line) for line in out.read_text().splitlines()]
    assert pred[0]["id"] == 7 and any(m["id"] == "Q794" for m in pred[0]["entity_mentions"])
    # scoring given predictions, human-readable
    result = runner.invoke(cli, ["eval", str(bench), "--pred", str(out)])
    assert result.exit_code == 0 and "facet P" in result.output and "in-KB accuracy" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n")
    assert runner.invoke(cli, ["eval", str(bad)]).exit_code == 2


def test_cli_eval_explains_each_error(tmp_path: Path, session_home: Path) -> None:
    """A wrong link comes with its candidates, their feature values and the decision."""
    from newslink.search.cli import cli

    doc = dict(GOLD_DOC, labels=[dict(GOLD_DOC["labels"][1], entity_id="Q1")] + GOLD_DOC["labels"][2:4])  # Iran "should" be Q1
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps(doc) + "\n")
    errors = tmp_path / "errors.jsonl"
    runner = CliRunner()
    assert runner.invoke(cli, ["eval", str(bench), "--explain"]).exit_code == 2  # --explain needs --errors
    result = runner.invoke(cli, ["eval", str(bench), "--errors", str(errors), "--explain", "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in errors.read_text().splitlines()]
    wrong = next(r for r in rows if r["kind"] == "wrong")
    assert wrong["text"] == "Iran" and wrong["predicted"] == "Q794"
    explain = wrong["explain"]
    assert explain["decision"]["qid"] == "Q794" and explain["candidates"][0]["qid"] == "Q794"
    assert "prior" in explain["candidates"][0]["features"] and explain["candidates"][0]["score"] > 0


# --------------------------------------------------------------------------- against score.py
BENCHMARKS = ["msnbc-updated", "reuters-128", "rss-500"]


def score_py(gold_path: Path, pred_path: Path) -> str:
    from conftest import shared_path

    script = shared_path("eval", "score.py")
    out = subprocess.run([sys.executable, str(script), str(gold_path), str(pred_path)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def perturbed_predictions(gold: dict[str, dict], seed: int) -> dict[str, dict]:
    """Gold labels turned into predictions with every kind of mistake."""
    rng = random.Random(seed)
    pred = {}
    for key, doc in gold.items():
        mentions = []
        for lab in doc["labels"]:
            s, e = lab["span"]
            roll = rng.random()
            if roll < 0.2:
                continue  # missed
            qid = lab["entity_id"] if lab["entity_id"].startswith("Q") else "Q42"
            if roll < 0.3:
                qid = "Q" + str(rng.randint(1, 10_000))  # wrong entity
            if roll < 0.35:
                s, e = s + 1, e + 2  # shifted, still overlapping
            mentions.append({"span": [s, e], "id": qid})
        text = doc["text"]
        for _ in range(2):  # links on text nobody annotated (maybe)
            s = rng.randrange(0, max(1, len(text) - 5))
            mentions.append({"span": [s, s + 4], "id": "Q" + str(rng.randint(1, 500))})
        pred[key] = {"id": doc["id"], "entity_mentions": mentions}
    return pred


@pytest.mark.shared
@pytest.mark.parametrize("name", BENCHMARKS)
def test_scores_equal_score_py(name: str, tmp_path: Path) -> None:
    from conftest import shared_path

    gold_path = shared_path("eval", f"{name}.benchmark.jsonl")
    gold = ev.load_jsonl(gold_path)
    for seed in (1, 2):
        pred = perturbed_predictions(gold, seed)
        pred_path = tmp_path / f"{name}-{seed}.jsonl"
        ev.write_predictions(pred, pred_path)
        report = ev.evaluate(gold, pred)
        assert ev.score_py_line(pred_path.name, report) == score_py(gold_path, pred_path)


@pytest.mark.shared
def test_pipeline_predictions_score_like_score_py(pipeline, tmp_path: Path) -> None:
    """The real pipeline on a real benchmark: our figures equal score.py's."""
    from conftest import shared_path

    gold_path = shared_path("eval", "msnbc-updated.benchmark.jsonl")
    gold = ev.load_jsonl(gold_path)
    pred = ev.predict(pipeline, gold)
    pred_path = tmp_path / "msnbc.pred.jsonl"
    ev.write_predictions(pred, pred_path)
    report = ev.evaluate(gold, pred, pipeline.kb)
    assert ev.score_py_line(pred_path.name, report) == score_py(gold_path, pred_path)
    # precision first: a regression guard (figures in bench/README.md, "Linking quality")
    assert report["facet"]["p"] >= 0.88, report["facet"]
    assert report["kb"]["in_kb_accuracy"] >= 0.93, report["kb"]
