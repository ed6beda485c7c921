"""Where newslink keeps its files: one data directory per user (or $NEWSLINK_HOME)."""
from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def newslink_home() -> Path:
    """The data directory: ``$NEWSLINK_HOME`` if set, else the per-user data dir."""
    home = os.environ.get("NEWSLINK_HOME")
    path = Path(home).expanduser() if home else Path(user_data_dir("newslink", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def kb_path() -> Path:
    return Path(os.environ.get("NEWSLINK_KB") or newslink_home() / "kb.sqlite")
