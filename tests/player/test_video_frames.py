"""The player's frame source: seeks, decodes ahead on a thread, paces by due time, loops, stops."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.imaging.video_clips import Clip, write_clip
from urbanart.player.video_frames import VideoFrames, scaled_size

FPS = 12
FRAMES = 24  # 2 s


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "clip.mp4", Clip(width=64, height=48, frames=FRAMES, fps=FPS))


def _grey_bar(frame_data: bytes, stride: int) -> int:
    """The frame-numbered grey bar's brightness (see video_clips.frame_picture), middle row."""
    return frame_data[stride * 24 + 1]  # green byte of pixel (0, 24) in rgb24


def _drain(frames: VideoFrames, count: int) -> list:
    got = []
    deadline = time.monotonic() + 10
    while len(got) < count and time.monotonic() < deadline:
        due = frames.next_due()
        frame = frames.take(due) if due is not None else None
        if frame is not None:
            got.append(frame)
        else:
            time.sleep(0.002)
    return got


def test_frames_come_in_order_with_due_times_from_the_start(clip: Path) -> None:
    with VideoFrames(clip, loop=False) as frames:
        got = _drain(frames, FRAMES)
        assert frames.finished.wait(5) and frames.failed is None
    assert len(got) == FRAMES
    assert [round(f.due_s * FPS) for f in got] == list(range(FRAMES))
    assert got[0].width == 64 and got[0].height == 48 and got[0].pixel_format == "rgb24"
    assert len(got[0].data) >= got[0].stride * 48
    bars = [_grey_bar(f.data, f.stride) for f in got[:5]]
    assert bars == sorted(bars) and len(set(bars)) == 5  # each frame its own picture
    assert frames.duration_s == pytest.approx(FRAMES / FPS, abs=0.01)


def test_starting_late_seeks_to_the_position_and_counts_due_time_from_there(clip: Path) -> None:
    with VideoFrames(clip, start_s=1.25, loop=False) as frames:
        got = _drain(frames, 9)
    first = got[0]
    assert first.position_s == pytest.approx(1.25, abs=0.5 / FPS)
    assert first.due_s == pytest.approx(0.0, abs=0.5 / FPS)
    assert got[-1].position_s == pytest.approx(FRAMES / FPS - 1 / FPS, abs=0.01)


def test_a_position_past_the_end_wraps_as_the_manifest_rule_says(clip: Path) -> None:
    with VideoFrames(clip, start_s=2 * FRAMES / FPS + 0.5, loop=False) as frames:
        got = _drain(frames, 1)
    assert got[0].position_s == pytest.approx(0.5, abs=0.5 / FPS)


def test_it_loops_with_due_times_that_keep_growing(clip: Path) -> None:
    with VideoFrames(clip, start_s=1.5) as frames:
        got = _drain(frames, 30)
    dues = [f.due_s for f in got]
    assert dues == sorted(dues) and len(set(dues)) == len(dues)
    positions = [f.position_s for f in got]
    wrap = next(i for i in range(1, len(positions)) if positions[i] < positions[i - 1])
    assert positions[wrap] == pytest.approx(0.0, abs=0.01)
    assert dues[wrap] - dues[wrap - 1] == pytest.approx(1 / FPS, abs=0.01)  # no gap, no stall


def test_late_frames_are_dropped_not_shown_late(clip: Path) -> None:
    with VideoFrames(clip, loop=False, ahead=6) as frames:
        assert frames.wait_ready(5)
        deadline = time.monotonic() + 5
        while frames.buffered() < 6 and time.monotonic() < deadline:
            time.sleep(0.005)
        frame = frames.take(0.45)  # 0.45 s late: frames due at 0, 1/12 … 5/12 are due
        assert frame is not None and round(frame.due_s * FPS) == 5
        assert frames.dropped == 5
        assert frames.take(0.45) is None  # nothing more is due yet


def test_frames_are_decoded_to_the_drawing_size(clip: Path) -> None:
    with VideoFrames(clip, box=(32, 32), fit="contain", pixel_format="bgra") as frames:
        small = _drain(frames, 1)[0]
    assert (small.width, small.height) == (32, 24) and small.stride >= 32 * 4
    with VideoFrames(clip, box=(32, 32), fit="cover") as frames:
        covered = _drain(frames, 1)[0]
    assert (covered.width, covered.height) == (42, 32)
    assert scaled_size(1920, 1080, (3840, 2160), "contain") == (1920, 1080)  # never upscaled


def test_a_rotated_phone_clip_reports_its_upright_size(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "phone.mp4", Clip(width=64, height=48, rotation=90))
    with VideoFrames(path, box=(24, 32)) as frames:
        frame = _drain(frames, 1)[0]
    assert frames.size == (48, 64) and frame.rotation in (90, 270)
    assert (frame.width, frame.height) == (32, 24)  # coded way round, upright fits 24×32


def test_a_file_that_is_no_video_fails_with_a_reason_and_no_thread_left(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    frames = VideoFrames(bad)
    assert frames.finished.wait(5)
    assert frames.failed is not None and not frames.wait_ready(0.1)
    frames.close()
    assert not frames.alive
    missing = VideoFrames(tmp_path / "missing.mp4")
    assert missing.finished.wait(5) and "FileNotFoundError" in (missing.failed or "")
    missing.close()


def test_close_stops_the_thread_while_it_waits_on_a_full_buffer(clip: Path) -> None:
    before = set(threading.enumerate())
    frames = VideoFrames(clip, ahead=2)
    assert frames.wait_ready(5)
    time.sleep(0.1)  # the decoder now waits for room
    assert frames.alive and frames.buffered() == 2
    assert _open_files(clip)  # the guard below can fail: the file is open while playing
    frames.close()
    assert not frames.alive and frames.finished.is_set()
    assert set(threading.enumerate()) <= before
    assert not _open_files(clip)


def _open_files(path: Path) -> list[str]:
    """This process's descriptors open on path (Linux /proc)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if Path(fd.readlink()) == path:
                found.append(fd.name)
        except OSError:
            continue
    return found
