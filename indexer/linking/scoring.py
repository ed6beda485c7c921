"""One scoring function: features times weights, a softmax over the rivals, and
the confidence that decides between a link and NIL.

    score(c)      = sum(WEIGHTS[f] * f(m, c) for f in SCORE_FEATURES)
    share(c)      = exp(SHARPNESS * score(c)) / sum over candidates
    confidence(c) = ALIAS_WEIGHT[how the mention names c] * share(c) * product(EVIDENCE_FACTORS)

A mention whose best candidate's confidence is below the threshold stays NIL.

Calibration: the weights were set on the development sets (``newslink eval`` on
``../shared/eval/``; figures in bench/README.md, "Linking quality") and checked on
real news (``bench/link_diff.py``), so that a confidence of 0.8 means about 80 %
of such links are right, and a link below ``DEFAULT_THRESHOLD`` is wrong more
often than right. The switches (``use_prior``, ``use_context``) turn groups of
features off for ablations, as spaCy's ``incl_prior``/``incl_context`` do.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..kb.store import Candidate
from .features import EVIDENCE_FACTORS, SCORE_FEATURES, MentionScope
from .namesakes import outclassed
from .obscure import OBSCURE_FACTORS, without_obscure

# How much the way a mention names an entity is worth on its own.
ALIAS_WEIGHT = {"label": 1.0, "alias": 0.95, "demonym": 0.92, "surname": 0.8}
# Weight of each score feature (see features.py for what each measures).
WEIGHTS = {
    "prior": 1.0,
    "bare_label": 0.5,
    "other_mentions": 1.5,
    "description_overlap": 0.5,
    "same_country": 0.8,
    "located": 1.2,
    "dateline_city": 1.0,
    "admin_word": 2.0,
    "level_peers": 1.0,
    "region_named": 1.0,
}
CONTEXT_FEATURES = frozenset(
    {"other_mentions", "description_overlap", "same_country", "located", "dateline_city", "admin_word", "level_peers", "region_named"}
)
# How sharply the softmax separates scores: a score gap of 1 is e^2 ~ 7 : 1.
SHARPNESS = 2.0
DEFAULT_THRESHOLD = 0.5
# Confidence of decisions made by in-document rules rather than by scoring.
RULE_CONFIDENCE = {
    "coref_name": 0.95,  # "Biden" after "Joe Biden": a name token of a person named in full
    "coref_surname": 0.9,  # the surname of exactly one person named in full in the article
    "repeated_surname": 0.9,  # the same, found by a text scan where NER saw nothing
    "acronym": 0.9,  # "BA" after "British Airways"
    "address": 0.9,  # "Atlanta, Georgia": the container of a city
    "institution": 0.8,  # "the Senate" in an article about that country
}
assert set(WEIGHTS) == set(SCORE_FEATURES), "every score feature has a weight"


@dataclass(slots=True)
class Choice:
    """A candidate with its score, its share of the softmax, its evidence factor
    and, when asked for, each feature's value (for ``--explain``)."""

    cand: Candidate
    score: float
    share: float
    evidence: float
    features: dict[str, float] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return ALIAS_WEIGHT[self.cand.alias_kind] * self.share * self.evidence

    def to_dict(self) -> dict:
        e = self.cand.entity
        return {
            "qid": e.qid, "label": e.label, "type": e.type, "alias_kind": self.cand.alias_kind,
            "score": round(self.score, 4), "share": round(self.share, 4), "evidence": round(self.evidence, 4),
            "confidence": round(self.confidence, 4), "features": {k: round(v, 4) for k, v in self.features.items()},
        }


class Scorer:
    """Ranks the candidates of one mention."""

    def __init__(self, *, use_prior: bool = True, use_context: bool = True, weights: dict[str, float] | None = None) -> None:
        weights = dict(WEIGHTS if weights is None else weights)
        if not use_prior:
            weights["prior"] = 0.0
        if not use_context:
            for name in CONTEXT_FEATURES:
                weights[name] = 0.0
        self.weights = weights
        self._features = [(name, SCORE_FEATURES[name], w) for name, w in weights.items() if w]
        self._factors = [*EVIDENCE_FACTORS.items(), *OBSCURE_FACTORS.items()]

    def rank(self, cands: list[Candidate], scope: MentionScope, *, explain: bool = False) -> list[Choice]:
        """Candidates with their scores, best first (one per QID, its strongest alias kind)."""
        best_kind: dict[str, Candidate] = {}
        for c in cands:
            prev = best_kind.get(c.entity.qid)
            if prev is None or ALIAS_WEIGHT[c.alias_kind] > ALIAS_WEIGHT[prev.alias_kind]:
                best_kind[c.entity.qid] = c
        best_kind = {c.entity.qid: c for c in without_obscure(list(best_kind.values()), scope)}  # obscure.py
        m = scope.mention
        kept = outclassed(list(best_kind.values()), scope)
        scope.rivals = tuple(kept)
        scored: list[tuple[float, float, Candidate, dict[str, float]]] = []
        for c in kept:
            values: dict[str, float] = {}
            score = 0.0
            for name, feature, weight in self._features:
                value = feature(m, c, scope)
                score += weight * value
                if explain:
                    values[name] = value
            evidence = 1.0
            for name, factor in self._factors:
                value = factor(m, c, scope)
                evidence *= value
                if explain and value != 1.0:
                    values[name] = value
            scored.append((score, evidence, c, values))
        scored.sort(key=lambda t: t[0], reverse=True)
        top = scored[0][0]
        z = sum(math.exp(SHARPNESS * (s - top)) for s, _, _, _ in scored)
        return [Choice(c, s, math.exp(SHARPNESS * (s - top)) / z, ev, values) for s, ev, c, values in scored]
