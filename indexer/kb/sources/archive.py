"""Reading one JSON member out of a published archive (sdist, npm tarball) without unpacking it.

The build keeps the archives exactly as the registries serve them, so the
compiled data can be traced to one file with one hash.
"""
from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any


class SourceError(ValueError):
    """A source file is missing, unreadable or not shaped as expected."""


def read_json_member(archive: Path, suffix: str) -> Any:
    """The JSON member of ``archive`` whose path ends with ``suffix`` (``package/dist/json/nsi.json``)."""
    try:
        with tarfile.open(archive) as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(suffix):
                    handle = tar.extractfile(member)
                    assert handle is not None
                    try:
                        return json.load(handle)
                    except json.JSONDecodeError as exc:
                        raise SourceError(f"{archive}:{member.name}: not JSON ({exc})") from exc
    except (OSError, tarfile.TarError) as exc:
        raise SourceError(f"{archive}: cannot read the archive ({exc})") from exc
    raise SourceError(f"{archive}: no member ending in {suffix!r}")


def read_json_file(path: Path) -> Any:
    """A JSON file (``.gz`` too), with its path in any error."""
    import gzip

    try:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError, EOFError) as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from exc
