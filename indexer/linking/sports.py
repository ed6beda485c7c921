"""Sports metonymy: a place named where a team is meant ("Boston beat Seattle 5-3",
"the England captain"), and the dateline that says where a story was filed.

Counting happens once per document: each pattern is scanned over the whole text
and windows are counted by bisection, which costs a fraction of running the
patterns over a window around every place mention (that was a third of
re-linking time). The vocabulary patterns are case-insensitive alternations of
words, which Python's ``re`` tries one by one at every position under ``re.I``:
they run case-sensitively on an ASCII-lower-cased copy of the text instead (the
same matches, ~3 × faster; ``casefold.py``), and each only once a window needs it.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cached_property

from .casefold import FoldedPattern, FoldedText
from .model import Mention

SPORTS_STRONG = re.compile(
    r"\b(?:inning|innings|touchdowns?|quarterback|pitcher|pitched|homers?|home runs?|playoffs?|postseason|"
    r"rushing|yards|NFL|NBA|MLB|NHL|NCAA|Premier League|Champions League|World Cup|Super Bowl|Red Sox|Yankees|"
    r"wickets?|batsman|bowled|test match|goalkeeper|striker|midfielder|free kick|penalty kick|hat-trick|"
    r"semifinals?|quarterfinals?|halftime|overtime|tailback|linebacker|receiver|coach(?:es|ed)?|seeded|"
    r"Crimson Tide|Buckeyes|Wolverines|Spartans|Bulldogs|Gators|Seminoles|Tigers|Mariners|Dolphins|"
    r"doubleheader|shutout|rebounds|three-pointers?|fumble|interception|field goal|scoreless|Big (?:12|Ten|East)|"
    r"Pac-1[02]|SEC title|national title|bowl game|Fenway|Wrigley|Twins|Cubs|Lakers|Celtics)\b",
    re.I,
)
SPORTS_WEAK = re.compile(
    r"\b(?:beat|beats|beaten|defeated|defeats|victory|win|wins|won|loss|losses|lost|season|game|games|"
    r"match|team|league|scored|score|points|rally|rallied|champions?|championship|title|series|tournament|"
    r"against|fans|stadium|roster|rookie|ranked|No\. \d+)\b",
    re.I,
)
SPORTS_RESULT = re.compile(r"\b(?:beat|beats|defeated|defeats|edged|routed|downed|blanked|topped|lost to|fell to)\b", re.I)
SCORE = re.compile(r"\b\d{1,3}-\d{1,3}\b")
# A sports role right after a place: "Cleveland coach", "England's captain".
SPORTS_ROLE = re.compile(
    r"(?:'s|’s)?\s+(?:head\s+)?(?:coach|manager|captain|skipper|star|quarterback|pitcher|striker|goalkeeper|"
    r"midfielder|defender|outfielder|infielder|shortstop|slugger|forward|winger|batsman|bowler|squad|team-mate|teammate)\b",
    re.I,
)
# A dateline: a paragraph that opens with a city in capitals, maybe its state or
# country, maybe the agency, then a dash ("HOUSTON -", "TUSCALOOSA, Ala. (AP) —").
DATELINE = re.compile(r"(?m)^([A-Z][A-Z.'’ -]{2,40}?(?:,\s+[A-Z][\w.]+(?:\s[A-Z][\w.]+)?)?)(?:\s+\([A-Za-z ]+\))?\s+[-–—]\s")
# The wire styles a dateline also takes: "WASHINGTON, February 7. /TASS/.", "MOSCOW (Reuters)",
# and an em dash mangled to '"?' by a bad encoding.
DATELINE_WIRE = re.compile(r"(?m)^([A-Z][A-Z.'’ -]{2,40}?)(?=\s*(?:\(|\"\?|,\s*[A-Z][a-z]+\.?\s+\d{1,2}\b))")
_PLACE_PREPOSITION = re.compile(r"\bin\s+$")
# Sports words within this many characters of a place make it a team.
WINDOW = 160
# A story with at least this many strong sports words is a sports story.
SPORTS_STORY_WORDS = 6


def in_dateline(text: str, m: Mention) -> bool:
    """Is ``m`` inside a dateline (the paragraph opening "HOUSTON -", "TUSCALOOSA,
    Ala. (AP) -")? Checks only the paragraph the mention starts, so it is cheap."""
    line_start = text.rfind("\n", 0, m.start) + 1
    if m.start - line_start > 60:
        return False
    for pattern in (DATELINE, DATELINE_WIRE):
        match = pattern.match(text, line_start)
        if match and match.start(1) <= m.start and m.end <= match.end(1):
            return True
    return False


# The vocabulary patterns as they run on the lower-cased text (built once, at import).
_STRONG, _WEAK, _RESULT = FoldedPattern(SPORTS_STRONG), FoldedPattern(SPORTS_WEAK), FoldedPattern(SPORTS_RESULT)


class Hits:
    """Where one pattern matches in one document, for counting inside windows."""

    __slots__ = ("starts", "ends")

    def __init__(self, pattern: re.Pattern[str] | FoldedPattern, text: str | FoldedText) -> None:
        spans = pattern.spans(text) if isinstance(pattern, FoldedPattern) else [m.span() for m in pattern.finditer(text)]  # type: ignore[arg-type]
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]  # non-overlapping matches: sorted too

    def count(self, lo: int, hi: int) -> int:
        """Matches lying wholly inside text[lo:hi]."""
        return max(0, bisect_right(self.ends, hi) - bisect_left(self.starts, lo))

    def __len__(self) -> int:
        return len(self.starts)


class SportsWords:
    """The sports vocabulary of one document, each kind scanned on first need: the
    strong words once a place is neither followed by a sports role nor in a
    dateline or after "in" (they decide whether it is a sports story); the weak
    words, scores and results when a place outside a sports story needs its window
    counted."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded = FoldedText(text)

    @property
    def story(self) -> bool:
        """A sports story: its places are teams more often than not."""
        return len(self.strong) >= SPORTS_STORY_WORDS

    @cached_property
    def strong(self) -> Hits:
        return Hits(_STRONG, self._folded)

    @cached_property
    def weak(self) -> Hits:
        return Hits(_WEAK, self._folded)

    @cached_property
    def score(self) -> Hits:
        return Hits(SCORE, self.text)

    @cached_property
    def result(self) -> Hits:
        return Hits(_RESULT, self._folded)

    def named_as_team(self, m: Mention) -> bool:
        """Is a place named here as a team? A sports role right after it
        ("Cleveland coach", "England captain"), or sports words around it; never in
        a dateline or after "in" ("a loss in Chicago": where, not who)."""
        text = self.text
        if SPORTS_ROLE.match(text, m.end):
            return True
        if in_dateline(text, m) or _PLACE_PREPOSITION.search(text, max(0, m.start - 4), m.start):
            return False
        if self.story:
            return True
        lo = max(0, m.start - WINDOW)
        hi = min(len(text), m.end + WINDOW)
        strong = self.strong.count(lo, hi)
        weak = self.weak.count(lo, hi)
        score = self.score.count(lo, hi)
        if score and self.result.count(lo, hi):
            return True  # "Boston beat Seattle 5-3"
        return strong >= 2 or (strong >= 1 and weak + score >= 1) or (score >= 1 and weak >= 2)
