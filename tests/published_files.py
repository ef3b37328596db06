"""Walking a published release as a web server sees it."""

from __future__ import annotations

import os
from pathlib import Path


def published_files(root: Path, suffix: str = "") -> list[Path]:
    """Every file under `root` ending in `suffix`, sorted, with the release's folders followed
    (they are links to shared trees, docs/published-tree.md) but not its media folder."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        if Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if d != "media"]
        found.extend(Path(dirpath, name) for name in filenames if name.endswith(suffix))
    return sorted(found)
