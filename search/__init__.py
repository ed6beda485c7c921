"""newslink search: the query model, the engines, the CLI and the HTTP API."""

__version__ = "0.1.0"
