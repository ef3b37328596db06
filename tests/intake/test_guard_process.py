"""The hand-in guard's processes start light: they import the imaging side only."""

from __future__ import annotations

import subprocess
import sys

from urbanart.intake.guard import KEPT_IMAGE_BLOCKS
from urbanart.intake.uploads import guard_file

HEAVY = ("sqlalchemy", "alembic", "urbanart.library.catalog", "urbanart.library.importer")


def test_a_guard_process_imports_no_catalogue_or_database_stack() -> None:
    """A guard process imports the module of the function it runs (pickled by name); the
    catalogue and SQLAlchemy cost each process about 2 s of CPU and 40 MB at a rush's start."""
    module = guard_file.__module__  # what pickle names, and the process imports
    assert module == "urbanart.intake.guard"
    code = f"import sys, {module}; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_guard_process_keeps_image_memory_for_its_next_file() -> None:
    """Pillow keeps no image memory by default, so each decode maps (and the kernel zeroes)
    fresh pages; a guard process keeps a few blocks for the next file."""
    code = (
        "import os; from urbanart.intake.guard import start_guard_worker; "
        "start_guard_worker(os.getppid(), None); "
        "from PIL import Image; print(Image.core.get_blocks_max())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == KEPT_IMAGE_BLOCKS > 0
