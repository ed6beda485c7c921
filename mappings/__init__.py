"""Elasticsearch/OpenSearch index settings and mappings (``articles.json``).

A package only so the JSON ships inside the wheel as ``newslink.mappings``; the
Elasticsearch engine creates indices from this file and nothing else.
"""
