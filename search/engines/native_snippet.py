"""The page highlighter in native code: the optional ``newslink_native`` extension (``native/``).

Highlighting a page's ten hits in Python (:mod:`.snippet_region` finds the region of a long
text, :mod:`.ascii_snippet` marks it and the titles) does its work per occurrence of a query
word, and that was the whole gap between a keyword query and the bare top 10 (issue 22,
bench/README.md). The extension does the same steps for the whole page in one call and returns
the same HTML byte for byte; where the Python marker would answer UNSURE (letters beyond ASCII,
a word tantivy drops where a fragment is cut) it answers :data:`ascii_snippet.UNSURE` too, and
the caller runs its Python path for that one text (which ends in tantivy's generator). A text
whose only characters beyond ASCII are separators (typographic quotes, ``…``, ``£``: most news
texts that are not ASCII) it answers itself, as tantivy would (in bytes), where the Python path
asks tantivy: those made a query with one such hit cost 50-100 µs more.

Optional on purpose: ``pip install -e .`` needs no Rust toolchain. Without the extension, or
with ``NEWSLINK_NATIVE=0``, the Python marker runs (same answers, slower).
"""
from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from importlib.metadata import version
from types import ModuleType

from . import ascii_snippet
from .tantivy_query import analyzer

# (texts, titles) -> (each text's HTML, each title's HTML): str, None or ascii_snippet.UNSURE
Page = Callable[[list[str], list[str]], tuple[list[object], list[object]]]


# Words the English stemmers of tantivy <= 0.26 (rust-stemmers) and 0.27 (frostem, Snowball's
# current rules) stem differently, and a few that test the rules the markers rely on.
TELLING_WORDS = ("organe", "organization", "universal", "generously", "emerging", "skies", "dying", "news", "tried",
                 "hopefully", "agreed", "ability", "1990s")


def load() -> ModuleType | None:
    """The extension, or None when it is not installed, ``NEWSLINK_NATIVE=0`` turns it off, or
    its stems are not the installed tantivy's (then with a warning)."""
    if os.environ.get("NEWSLINK_NATIVE", "").strip() == "0":
        return None
    try:
        import newslink_native  # noqa: PLC0415 - optional compiled extension
    except ImportError:
        return None
    return newslink_native if usable(newslink_native) else None


@functools.cache
def usable(module: ModuleType) -> bool:
    """Whether ``module`` is a build this code can use (``pip install ./native`` from an older
    checkout may lack its API) and stems as the installed tantivy does: the extension pins the
    stemmer crate of one tantivy release, and a different tantivy would make its marks differ."""
    missing = [name for name in ("Highlighter", "analyse") if not hasattr(module, name)]
    if missing:
        warnings.warn(f"newslink_native {getattr(module, '__version__', '?')} lacks {', '.join(missing)}: "
                      "highlighting in Python (rebuild it: pip install ./native)", stacklevel=2)
        return False
    analyse = analyzer().analyze
    different = [w for w in TELLING_WORDS if module.analyse(w) != next(iter(analyse(w)), None)]
    if different:
        warnings.warn(f"newslink_native {module.__version__} stems {', '.join(different)} unlike the installed tantivy "
                      f"{version('tantivy')}: highlighting in Python (rebuild it: pip install ./native)", stacklevel=2)
    return not different


def highlighter_name(module: ModuleType | None) -> str:
    """What a benchmark prints: which highlighter runs."""
    return f"native (newslink_native {module.__version__})" if module is not None else "python (ascii_snippet)"


def spec(marker: ascii_snippet.Marker) -> tuple[list[str], dict[str, float], int]:
    """What the extension needs of a Python marker: its needles, term weights and fragment width."""
    return marker.needles, marker.weights, marker.max_chars


def page(module: ModuleType, text_marker: ascii_snippet.Marker, title_marker: ascii_snippet.Marker,
         wanted: list[tuple[str, float]], width: int) -> Page:
    """One query's page highlighter: regions found with ``wanted`` for snippets ``width`` wide,
    marked with ``text_marker``'s terms; titles with ``title_marker``'s. Made once per query's
    terms (the engine keeps it with their markers) and shared by threads: it holds no state."""
    return module.Highlighter(wanted, width, spec(text_marker), spec(title_marker), ascii_snippet.UNSURE).page
