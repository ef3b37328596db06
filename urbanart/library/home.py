"""Where a library lives: --home, then URBANART_HOME, then the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_HOME = "URBANART_HOME"
ENV_DATABASE_URL = "URBANART_DATABASE_URL"

DATABASE_NAME = "library.sqlite3"
MEDIA_DIR = "media"
BACKUP_DIR = "backups"
#: The published tree (delivery writes it; the hub, push and the viewers' links read it).
PUBLISHED_DIR = "published"
#: The link inside PUBLISHED_DIR to the release being served.
CURRENT_LINK = "current"


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("urbanart", "UrbanArtStudio")) / "library"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The library folder to use; explicit beats the environment beats the platform default."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser().resolve()
    return default_home()
