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


def holds_library(path: Path) -> bool:
    """Whether opening path finds an existing library rather than starting a new one.

    With URBANART_DATABASE_URL set the catalogue lives on that server, and any folder is just
    this machine's working folder for it (secrets, published tree, cache), so there is nothing
    to "create": asking would only confuse a second curator joining an exhibition.
    """
    if os.environ.get(ENV_DATABASE_URL):
        return True
    return (path / DATABASE_NAME).exists()
