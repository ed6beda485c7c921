"""US Congress members and the US executive (``congress-legislators/*.yaml``).

Source: unitedstates/congress-legislators; public domain (CC0 1.0, ``README.md``
and ``LICENSE``). ``legislators-current.yaml`` has the ~540 current members of
Congress, ``executive.yaml`` every president and vice president (only the
recent ones carry a Wikidata id).

Kept per person: QID, official full name as label, ``first last`` and
``nickname last`` as other names, and from the latest term the office
(senator, representative, president, vice president), state and party. Ids of
other databases, addresses and contact details are dropped.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...schema import is_qid
from .archive import SourceError
from .model import SourceEntity

FILES = ("congress-legislators/legislators-current.yaml", "congress-legislators/executive.yaml")
SOURCE = "congress"
KINDS = {"sen": "us_senator", "rep": "us_representative", "prez": "head_of_state", "viceprez": "vice_president"}


def _load(path: Path) -> list[dict]:
    try:
        import yaml
    except ImportError as exc:  # a build-time dependency only: `pip install newslink[kbsources]`
        raise SourceError("reading the congress-legislators YAML needs PyYAML: pip install 'newslink[kbsources]'") from exc
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    if not isinstance(data, list):
        raise SourceError(f"{path}: expected a YAML list of people")
    return data


def person(entry: dict) -> SourceEntity | None:
    """One person of either file, or None without a Wikidata id or a term."""
    qid = str((entry.get("id") or {}).get("wikidata") or "")
    terms = entry.get("terms") or []
    name = entry.get("name") or {}
    if not is_qid(qid) or not terms or not name.get("last"):
        return None
    first, last = name.get("first", ""), name["last"]
    label = name.get("official_full") or f"{first} {last}".strip()
    names = [f"{first} {last}".strip()]
    if name.get("nickname"):
        names.append(f"{name['nickname']} {last}")
    term = terms[-1]
    kind = KINDS.get(term.get("type", ""), "politician")
    return SourceEntity(
        qid, "person", kind, label, SOURCE,
        names=[n for n in dict.fromkeys(names) if n != label],
        country_code="US",
        extra={"party": term.get("party") or "", "state": term.get("state") or "", "office": term.get("type") or ""},
    )


def read(shared: Path) -> Iterator[SourceEntity]:
    for name in FILES:
        for entry in _load(Path(shared) / "kb-sources" / name):
            rec = person(entry) if isinstance(entry, dict) else None
            if rec is not None:
                yield rec
