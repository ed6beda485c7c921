"""Entity linking as a pipeline of named parts (see ``linker.py`` for the steps).

``Linker`` links one document's mentions; ``MemoryKB`` is a KB for tests and
small tables; ``Scorer`` holds the weights and switches.
"""
from .kb import KB, MemoryKB
from .linker import Explanation, Linker
from .model import Link, Mention
from .scoring import DEFAULT_THRESHOLD, Scorer

__all__ = ["DEFAULT_THRESHOLD", "Explanation", "KB", "Link", "Linker", "MemoryKB", "Mention", "Scorer"]
