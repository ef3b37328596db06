"""Imports strangers' files cannot abuse: animations over a pixel budget, workers capped in memory
and ending with their parent, folder scans that stay inside the folder."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.delivery.conftest import PYTHON, REPO, subprocess_env
from urbanart.errors import ImportRefused
from urbanart.imaging.limits import MIB, ImportLimits
from urbanart.imaging.probe import inspect
from urbanart.library import catalog
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library


def bilevel_png(path: Path, side: int, marker: int = 0) -> Path:
    """A black side×side 1-bit PNG written row by row: a few KB on disk, side² pixels decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\0" + b"\0" * ((side + 7) // 8)
    body = b"".join(packer.compress(row) for _ in range(side - 1))
    body += packer.compress(b"\0" + bytes([marker]) + row[2:]) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )
    return path


def gif(path: Path, frames: int, size: tuple[int, int]) -> Path:
    images = [Image.new("RGB", size, (i % 256, i // 256 * 40, 0)) for i in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=40, loop=0)
    return path


@pytest.mark.no_database
def test_an_animation_over_the_pixel_budget_of_all_frames_is_refused(tmp_path: Path) -> None:
    many = gif(tmp_path / "many.gif", 600, (100, 100)).read_bytes()
    limits = ImportLimits(max_total_pixels=5_000_000)
    started = time.perf_counter()
    try:
        inspect(many, "many.gif", limits)
    except ImportRefused as exc:
        reason = exc.reason
    else:
        raise AssertionError("600 frames over the budget were accepted")
    assert reason == (
        "too many pixels over all frames: 600 frames of 100×100 are 6 megapixels, "
        "the limit is 5 megapixels"
    )
    assert time.perf_counter() - started < 5
    # under the budget, the same file is an animation like any other
    assert inspect(many, "many.gif", ImportLimits(max_total_pixels=6_000_000)).frame_count == 600


def test_a_folder_scan_does_not_follow_links_out_of_the_folder(
    library: Library, tmp_path: Path
) -> None:
    private = tmp_path / "private"
    private.mkdir()
    secret = gif(private / "holiday.gif", 2, (40, 30))
    shared = tmp_path / "shared"
    (shared / "Ana").mkdir(parents=True)
    own = gif(shared / "Ana" / "mural.gif", 3, (40, 30))
    (shared / "Ana" / "holiday.gif").symlink_to(secret)
    (shared / "Ana" / "also-mural.gif").symlink_to(own)  # inside the folder: read once
    (shared / "elsewhere").symlink_to(private, target_is_directory=True)
    items = scan([shared])
    results = {Path(r.file).name: r for r in import_items(library, items, ImportRun(workers=1))}
    assert set(results) == {"mural.gif", "holiday.gif", "elsewhere"}
    assert results["mural.gif"].status is Status.IMPORTED
    for name in ("holiday.gif", "elsewhere"):
        assert results[name].status is Status.REJECTED
        assert "symbolic link" in (results[name].reason or "")
        assert "outside" in (results[name].reason or "")
    # given by name, a file is taken as given, link or not
    (direct,) = import_items(library, scan([shared / "Ana" / "holiday.gif"], artist="Me"))
    assert direct.status is Status.IMPORTED


def test_a_worker_out_of_memory_refuses_that_file_and_the_others_import(
    library: Library, tmp_path: Path
) -> None:
    small = [gif(tmp_path / f"small{i}.gif", 2, (40 + i, 30)) for i in range(3)]
    huge = bilevel_png(tmp_path / "huge.png", 16000)  # 256 megapixels: 768 MB as RGB
    limits = ImportLimits(max_pixels=300_000_000, worker_memory_bytes=500 * MIB)
    items = scan([*small, huge], artist="Ana")
    results = {
        Path(r.file).name: r for r in import_items(library, items, ImportRun(limits, workers=2))
    }
    assert results["huge.png"].status is Status.REJECTED
    assert results["huge.png"].reason == (
        "too large to decode within the import memory limit (500 MB)"
    )
    assert all(results[p.name].status is Status.IMPORTED for p in small)


def _workers_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _artworks(home: Path) -> int:
    with Library.open(home) as library:
        return catalog.count_artworks(library)


def test_killing_an_import_ends_its_worker_processes(home: Path, tmp_path: Path) -> None:
    Library.open(home).close()
    folder = tmp_path / "Slow Collective"
    folder.mkdir()
    for i in range(12):
        bilevel_png(folder / f"wall{i}.png", 7000, marker=i + 1)  # seconds of decoding each
    importer = subprocess.Popen(
        [PYTHON, "-m", "urbanart.cli.main", "--home", str(home), "import", str(folder),
         "--workers", "2", "--artist", "Slow Collective"],
        env=subprocess_env(), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline:
            assert importer.poll() is None, "the import ended before its workers started"
            workers = _workers_of(importer.pid)
            time.sleep(0.1)
        assert len(workers) == 2
        # Mid-run: a first file is in the catalog, so both workers are started and decoding.
        # (Until a worker has started, the parent's death ends it as soon as it has.)
        while not _artworks(home) and time.monotonic() < deadline + 120:
            assert importer.poll() is None, "the import ended before it was killed"
            time.sleep(0.2)
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait(10)
        killed = time.monotonic()
        while any(_alive(w) for w in workers) and time.monotonic() - killed < 3:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived the killed import"
    finally:
        if importer.poll() is None:
            importer.kill()
        for worker in _workers_of(importer.pid):
            os.kill(worker, signal.SIGKILL)
