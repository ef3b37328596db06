"""The hand-in guard's processes start light: they import the imaging side only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake.conftest import png_bytes
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


def test_a_guard_process_imports_the_video_guard_only_for_a_video(tmp_path: Path) -> None:
    """PyAV costs each guard process about 0.4 s of CPU to import; a still never needs it."""
    still = tmp_path / "red.png"
    still.write_bytes(png_bytes())
    code = (
        "import sys; from urbanart.imaging.limits import ImportLimits; "
        "from urbanart.intake.guard import guard_file; "
        f"verdict = guard_file({str(still)!r}, 'red.png', ImportLimits()); "
        "print(type(verdict).__name__, 'av' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["Guarded", "False"], out.stdout + out.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_guard_process_keeps_a_freed_file_buffer_for_its_next_file() -> None:
    """A file's bytes freed after its check stay in the heap (glibc would return them, and the
    next file's read would fault in zeroed pages again): mallinfo2 counts them as free heap."""
    code = (
        "import ctypes, os, sys\n"
        "from urbanart.intake.guard import start_guard_worker\n"
        "class Info(ctypes.Structure):\n"
        "    _fields_ = [(n, ctypes.c_size_t) for n in ('arena', 'ordblks', 'smblks', 'hblks',"
        " 'hblkhd', 'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keepcost')]\n"
        "libc = ctypes.CDLL('libc.so.6'); libc.mallinfo2.restype = Info\n"
        "if sys.argv[1] == 'kept': start_guard_worker(os.getppid(), None)\n"
        "data = os.urandom(10 * 1024 * 1024); del data\n"
        "info = libc.mallinfo2(); print(info.fordblks, info.hblkhd)\n"
    )
    free = {}
    for how in ("kept", "default"):
        out = subprocess.run(
            [sys.executable, "-c", code, how], capture_output=True, text=True, check=True
        )
        free[how] = int(out.stdout.split()[0])
    assert free["kept"] >= 10 * 1024 * 1024 > free["default"], free
