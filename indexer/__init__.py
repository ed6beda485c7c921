"""newslink indexer: turns news sources into entity-linked documents.

The indexer never imports the search side: it hands documents to any object that
implements the small writer protocol in :mod:`newslink.indexer.pipeline`, so the
dependency between the two packages runs one way (search -> indexer).
"""
