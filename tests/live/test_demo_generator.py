"""The demo's live generator: unique, valid collages written whole, a loop that stops cleanly."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from urbanart.imaging.probe import inspect
from urbanart.live.demo_generator import collage, frame_bytes, main, run


def test_each_seed_draws_its_own_collage_and_the_same_seed_the_same_one() -> None:
    frames = {seed: frame_bytes(seed, 640, 360) for seed in (1, 2, 3, 4)}
    assert len(set(frames.values())) == 4
    assert frame_bytes(3, 640, 360) == frames[3]


def test_frames_are_jpegs_of_the_asked_size_that_the_import_guard_accepts() -> None:
    for size in ((1920, 1080), (1080, 1920)):
        data = frame_bytes(11, *size)
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG"
            assert image.size == size
            image.load()  # decodes to the end: not truncated
        info = inspect(data, "collage.jpg")  # the guard live frames go through
        assert (info.width, info.height) == size


def test_a_collage_has_structure_not_noise() -> None:
    """Flat colour fields and silhouettes compress far better than random pixels of the same
    size; a generator drawing noise (or nothing) fails one side of this."""
    width, height = 960, 540
    data = frame_bytes(5, width, height)
    noise = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        noise, "JPEG", quality=85
    )
    assert len(data) < len(noise.getvalue()) / 3
    colours = collage(5, width, height).getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200  # not a flat card either


def test_run_writes_the_asked_count_whole_and_in_order(tmp_path: Path) -> None:
    written = run(tmp_path, 0.01, width=320, height=240, count=4, seed=9)
    assert [p.name for p in written] == sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 4
    assert not list(tmp_path.glob(".*"))  # no partial file left behind
    assert len({p.read_bytes() for p in written}) == 4


def test_unconsumed_frames_are_pruned_to_keep(tmp_path: Path) -> None:
    written = run(tmp_path, 0.01, width=160, height=120, count=6, seed=1, keep=2)
    assert sorted(tmp_path.iterdir()) == written[-2:]


def test_setting_stop_ends_the_loop_between_frames(tmp_path: Path) -> None:
    stop = threading.Event()
    result: list[list[Path]] = []
    thread = threading.Thread(
        target=lambda: result.append(run(tmp_path, 30, width=160, height=120, stop=stop))
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not list(tmp_path.glob("collage-*.jpg")) and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()  # it is waiting 30 s for the next frame: it must not
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(result[0]) == 1


def test_the_command_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "frames"
    child = subprocess.Popen(
        [sys.executable, "-m", "urbanart.live.demo_generator", "--out", str(out),
         "--every", "0.1", "--size", "320x180"],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while len(list(out.glob("collage-*.jpg"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(list(out.glob("collage-*.jpg"))) >= 2
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=10) == 0
    finally:
        if child.poll() is None:
            child.kill()
    assert not list(out.glob(".*.part"))
    for path in out.glob("collage-*.jpg"):
        with Image.open(path) as image:
            image.load()


def test_the_output_folder_can_come_from_the_live_run_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URBANART_LIVE_OUT", str(tmp_path))
    assert main(["--every", "0.01", "--count", "1", "--size", "200x100"]) == 0
    [path] = tmp_path.glob("collage-*.jpg")
    with Image.open(path) as image:
        assert image.size == (200, 100)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--size", "wide"], "'wide'"),
        (["--every", "0"], "every"),
        (["--size", "10x10"], "10x10"),
    ],
)
def test_bad_arguments_are_refused_with_the_value_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path / "out"), "--count", "1", *args])
    assert exit_info.value.code == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
