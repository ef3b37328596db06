"""A video original as a file on disk, wherever the media store keeps it.

PyAV reads files (it seeks, so it cannot work from a stream): a local store hands out its own
path; any other store's bytes are copied to a temporary file for the time of the work.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from urbanart.library.store import MediaStore


@contextmanager
def original_file(store: MediaStore, key: str) -> Iterator[Path]:
    """A readable path holding the stored object key; FileNotFoundError when it is missing."""
    local = store.local_path(key)
    if local is not None:
        if not local.is_file():
            raise FileNotFoundError(key)
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="urbanart-video-") as folder:
        path = Path(folder) / Path(key).name
        path.write_bytes(store.get(key))
        yield path
