"""The local knowledge base: entities, their aliases and priors, in one SQLite file.

``KnowledgeBase`` is the read side the linker and search use; ``build`` writes it.
"""
from ..schema import FACET_TYPES
from .store import Candidate, Entity, KnowledgeBase, KBError

__all__ = ["Candidate", "Entity", "KnowledgeBase", "KBError", "FACET_TYPES"]
