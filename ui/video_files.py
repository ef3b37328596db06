"""Video originals as files the studio's previews can play (worker side: call through run_op).

PyAV plays files, and a preview plays for as long as the curator looks, so the short-lived
temporary copy the engine makes for a transcode (urbanart.library.video_files) does not fit.
A local media store hands out its own path; a bucket's object is copied once into the studio's
temporary folder under its content-addressed key, so a second look costs nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from urbanart.library.library import Library

CACHE_FOLDER = "urbanart-studio-videos"


def playable_path(library: Library, key: str) -> Path:
    """A readable file holding the stored object key; FileNotFoundError when it is missing."""
    local = library.store.local_path(key)
    if local is not None:
        if not local.is_file():
            raise FileNotFoundError(key)
        return local
    folder = Path(tempfile.gettempdir()) / CACHE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / key.replace("/", "_")
    if not path.is_file():
        data = library.store.get(key)
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(path)  # whole or absent: a crash leaves no half file to play
    return path
