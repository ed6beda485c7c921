"""Human-readable terminal output for search results, facets and entities."""
from __future__ import annotations

import html
import re
import shutil
import textwrap

import click

from .facets import Histogram
from .results import FacetBucket, SearchResults

BLOCKS = " ▏▎▍▌▋▊▉█"

_BOLD = re.compile(r"<b>(.*?)</b>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def entity_name(entity: dict) -> str:
    """A hit's entity as shown: "Japan (via Tokyo)" for a country rolled up from its places."""
    via = entity.get("via") or []
    name = entity.get("label") or entity.get("qid") or ""
    return f"{name} (via {', '.join(v.get('label') or v.get('qid') for v in via)})" if via else name


def count_of(n: int, noun: str) -> str:
    """``1 article``, ``2,345 articles``: summaries read as sentences."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"


def highlight_for_terminal(fragment: str, color: bool) -> str:
    """Turn the engine's <b>…</b> HTML snippet into terminal text."""
    marked = _BOLD.sub(lambda m: click.style(m.group(1), bold=True, fg="yellow") if color else f"[{m.group(1)}]", fragment)
    return html.unescape(_TAGS.sub("", marked)).replace("\n", " ")


def render_results(results: SearchResults, *, color: bool, show_facets: bool = True) -> str:
    width = min(shutil.get_terminal_size((100, 20)).columns, 120)
    lines: list[str] = []
    first = (results.page - 1) * results.size + 1 if results.hits else 0
    last = first + len(results.hits) - 1 if results.hits else 0
    lines.append(count_of(results.total, "article") + (f" — showing {first}–{last}" if results.hits else "") + f" ({results.took_ms:.1f} ms)")
    if not results.hits and results.total and results.size and results.page > 1:
        last_page = -(-results.total // results.size)
        lines.append(f"page {results.page:,} is past the last page ({last_page:,})")
    for n, hit in enumerate(results.hits, start=first):
        title = highlight_for_terminal(hit.title_html, color) if hit.title_html else hit.title
        lines.append("")
        lines.append(click.style(f"{n}. ", bold=True) + (click.style(title, bold=True) if color and not hit.title_html else title))
        meta = " · ".join(x for x in ((hit.published or "")[:10], hit.source or "", hit.id) if x)
        lines.append("   " + (click.style(meta, dim=True) if color else meta))
        snippet = highlight_for_terminal(hit.snippet, color)
        lines.extend(textwrap.wrap(snippet, width=width - 3, initial_indent="   ", subsequent_indent="   ") if not color else ["   " + snippet])
        if hit.entities:
            named = [e for e in hit.entities if not e.get("via")]
            names = ", ".join(f"{e['label']}" for e in named[:8])
            more = f" +{len(named) - 8}" if len(named) > 8 else ""
            rolled = ", ".join(entity_name(e) for e in hit.entities if e.get("via"))  # few: always shown
            lines.append("   " + (click.style("entities: ", dim=True) if color else "entities: ") + ", ".join(x for x in (names + more, rolled) if x))
    if show_facets and results.facets:
        lines.append("")
        lines.append(render_facets(results.facets, color=color))
    if results.histogram is not None:
        lines.append("")
        lines.append(render_histogram(results.histogram, color=color, width=width))
    return "\n".join(lines)


def bar(count: int, top: int, cells: int) -> str:
    """A horizontal bar of ``count`` against ``top`` in ``cells`` characters, in eighths."""
    eighths = round(count / top * cells * 8) if top else 0
    if count and not eighths:
        eighths = 1  # a non-empty period is never invisible
    return "█" * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")


def render_histogram(hist: Histogram, *, color: bool, width: int = 100) -> str:
    """One line per period: label, bar, count; ``*`` marks the periods inside --since/--until."""
    head = f"published per {hist.interval}"
    lines = [click.style(head, bold=True) if color else head]
    if not hist.buckets:
        return lines[0] + " —"
    top = max(b.count for b in hist.buckets)
    label_w = max(len(b.label) for b in hist.buckets)
    count_w = len(f"{top:,}")
    cells = max(10, min(60, width - label_w - count_w - 6))
    for b in hist.buckets:
        drawn = bar(b.count, top, cells)
        if color and b.selected:
            drawn = click.style(drawn, fg="yellow")
        lines.append(f"{'*' if b.selected else ' '}{b.label:<{label_w}}  {b.count:>{count_w},}  {drawn}")
    return "\n".join(lines)


def render_facets(facets: dict[str, list[FacetBucket]], *, color: bool) -> str:
    lines = []
    for facet, buckets in facets.items():
        head = click.style(f"{facet:<8}", bold=True) if color else f"{facet:<8}"
        if not buckets:
            lines.append(f"{head} —")
            continue
        parts = [f"{'*' if b.selected else ''}{b.label} ({b.qid}{', unlinked' if b.unlinked else ''}) {b.count:,}" for b in buckets]
        lines.append(f"{head} " + " · ".join(parts))
    return "\n".join(lines)


def render_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*(str(c) for c in r)) for r in rows]
    return "\n".join(out)


def render_related(data: dict, *, color: bool) -> str:
    """The co-occurrence table of `newslink related`: per type, the entity, shared articles,
    its articles overall, lift and score."""
    ent = data["entity"]
    head = f"{ent['label']} ({ent['qid']}): {count_of(data['articles'], 'article')} of {data['background']:,}"
    lines = [click.style(head, bold=True) if color else head]
    for facet, rows in data["related"].items():
        lines.append("")
        lines.append(click.style(facet, bold=True) if color else facet)
        if not rows:
            lines.append("  —")
            continue
        table = [[f"{r['label']} ({r['qid']})", f"{r['count']:,}", f"{r['background']:,}", f"{r['lift']:.1f}×", f"{r['score']:.3f}"] for r in rows]
        lines.extend("  " + line for line in render_table(table, ["entity", "with", "all", "lift", "score"]).splitlines())
    return "\n".join(lines)
