"""Video renditions from a real library: checked with PyAV and by reading the MP4's boxes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image

from tests.imaging.video_clips import BLUE, RED, Clip, top_level_boxes, write_clip
from urbanart.errors import InvalidValue
from urbanart.imaging.video.profile import VideoProfile
from urbanart.imaging.video.transcode import TranscodeCancelled, constant_rate
from urbanart.library import catalog
from urbanart.library.import_sources import scan
from urbanart.library.importer import ImportRun, Status, import_items
from urbanart.library.library import Library
from urbanart.library.video_renditions import ensure_video_rendition, screen_video_profile


@pytest.fixture(scope="session")
def source_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rendition-clips")
    write_clip(folder / "sound.mp4", Clip(width=96, height=64, frames=24, audio=True))
    write_clip(folder / "phone.mov", Clip(width=96, height=64, rotation=90, container="mov"))
    write_clip(folder / "vfr.mp4", Clip(width=96, height=64, frames=24, vfr=True))
    write_clip(folder / "tenbit.mkv", Clip(pix_fmt="yuv420p10le", container="matroska"))
    write_clip(folder / "fast.webm", Clip(fps=60, frames=60, codec="libvpx-vp9", container="webm"))
    noise = folder / "noise.mp4"
    with av.open(str(noise), "w") as out:  # hard to compress: the byte budget has to bite
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "10"}
        for index in range(60):
            frame = av.VideoFrame.from_image(Image.effect_noise((320, 240), 100).convert("RGB"))
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return folder


def imported_sha(library: Library, path: Path) -> str:
    (result,) = import_items(library, scan([str(path)], artist="Nova"), ImportRun(workers=1))
    assert result.status is Status.IMPORTED, result.reason
    return catalog.get_artwork(library, result.artwork_id).asset.sha256


def describe(path: Path) -> dict[str, object]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = list(container.decode(video))
        return {
            "codec": video.codec_context.name,
            "profile": video.codec_context.profile,
            "pix_fmt": video.codec_context.format.name,
            "size": (video.codec_context.width, video.codec_context.height),
            "audio": len(container.streams.audio),
            "frames": frames,
            "rate": video.average_rate,
        }


def test_rendition_is_h264_high_yuv420p_faststart_muted_and_cached(
    library: Library, source_clips: Path, tmp_path: Path
) -> None:
    sha = imported_sha(library, source_clips / "sound.mp4")
    profile = VideoProfile(160, 90, "contain", max_bytes=2_000_000)
    seen: list[float] = []
    made = ensure_video_rendition(library, sha, profile, progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    data = library.store.get(made.video.store_key)
    assert len(data) == made.video.byte_size <= profile.max_bytes
    boxes = top_level_boxes(data)
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    out = tmp_path / "out.mp4"
    out.write_bytes(data)
    facts = describe(out)
    assert facts["codec"] == "h264" and facts["profile"] == "High"
    assert facts["pix_fmt"] == "yuv420p"
    assert facts["size"] == (160, 90) and facts["audio"] == 0
    assert colour_tags(out) == (1, 1, 1, 1)  # BT.709, limited range
    assert len(facts["frames"]) == 24
    assert (made.still.format, made.still.width, made.still.height) == ("JPEG", 160, 90)
    assert Image.open(library.store.local_path(made.still.store_key)).size == (160, 90)
    again: list[float] = []
    cached = ensure_video_rendition(library, sha, profile, progress=again.append)
    assert cached.video == made.video and again == []  # no second transcode


def test_a_profile_that_keeps_sound_keeps_it(
    library: Library, source_clips: Path, tmp_path: Path
) -> None:
    sha = imported_sha(library, source_clips / "sound.mp4")
    made = ensure_video_rendition(library, sha, VideoProfile(160, 90, keep_sound=True))
    (tmp_path / "s.mp4").write_bytes(library.store.get(made.video.store_key))
    assert describe(tmp_path / "s.mp4")["audio"] == 1


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 45 for a, b in zip(pixel, colour, strict=False))


def test_rotated_phone_clip_fills_a_portrait_screen_upright(
    library: Library, source_clips: Path, tmp_path: Path
) -> None:
    sha = imported_sha(library, source_clips / "phone.mov")
    made = ensure_video_rendition(library, sha, VideoProfile(64, 96, "cover"))
    (tmp_path / "p.mp4").write_bytes(library.store.get(made.video.store_key))
    first = describe(tmp_path / "p.mp4")["frames"][5].to_image()
    assert first.size == (64, 96)
    # written with red on top, turned a quarter counter-clockwise for display: red on the left
    assert _near(first.getpixel((10, 48)), RED) and _near(first.getpixel((54, 48)), BLUE)
    still = Image.open(library.store.local_path(made.still.store_key)).convert("RGB")
    assert _near(still.getpixel((10, 48)), RED) and _near(still.getpixel((54, 48)), BLUE)


def test_variable_rate_and_ten_bit_sources_come_out_constant_rate_8_bit(
    library: Library, source_clips: Path, tmp_path: Path
) -> None:
    for name in ("vfr.mp4", "tenbit.mkv"):
        sha = imported_sha(library, source_clips / name)
        made = ensure_video_rendition(library, sha, VideoProfile(96, 64))
        (tmp_path / name).write_bytes(library.store.get(made.video.store_key))
        facts = describe(tmp_path / name)
        assert facts["pix_fmt"] == "yuv420p"
        steps = {b.pts - a.pts for a, b in zip(facts["frames"], facts["frames"][1:], strict=False)}
        assert len(steps) == 1, f"{name}: frame intervals {steps}"
        middle = facts["frames"][len(facts["frames"]) // 2].to_image()
        assert _near(middle.getpixel((48, 8)), RED) and _near(middle.getpixel((48, 56)), BLUE)


def colour_tags(path: Path) -> tuple[int, int, int, int]:
    """(primaries, transfer, matrix, range) as FFmpeg numbers them (1: BT.709; range 1: tv)."""
    with av.open(str(path)) as container:
        context = container.streams.video[0].codec_context
        return context.color_primaries, context.color_trc, context.colorspace, context.color_range


def test_an_hdr_ten_bit_source_comes_out_8_bit_tagged_bt709(
    library: Library, tmp_path: Path
) -> None:
    source = write_clip(
        tmp_path / "hdr.mp4", Clip(width=96, height=64, pix_fmt="yuv420p10le", hdr=True)
    )
    assert colour_tags(source)[:3] == (9, 16, 9)  # BT.2020, PQ, BT.2020: an HDR10 master
    made = ensure_video_rendition(library, imported_sha(library, source), VideoProfile(96, 64))
    out = tmp_path / "hdr-out.mp4"
    out.write_bytes(library.store.get(made.video.store_key))
    assert colour_tags(out) == (1, 1, 1, 1)
    facts = describe(out)
    assert facts["pix_fmt"] == "yuv420p" and len(facts["frames"]) == 12
    # Tone-mapped (tests/imaging/test_video_tone_map.py checks levels): red on top, blue below.
    middle = facts["frames"][6].to_image()
    red, blue = middle.getpixel((48, 8)), middle.getpixel((48, 56))
    assert red[0] > 2 * red[2] and blue[2] > 2 * blue[0], (red, blue)


def test_frame_rate_is_capped(library: Library, source_clips: Path, tmp_path: Path) -> None:
    sha = imported_sha(library, source_clips / "fast.webm")  # 60 fps, 1 s
    made = ensure_video_rendition(library, sha, VideoProfile(64, 48, max_fps=25))
    (tmp_path / "c.mp4").write_bytes(library.store.get(made.video.store_key))
    facts = describe(tmp_path / "c.mp4")
    assert facts["rate"] == 25
    assert len(facts["frames"]) == 25
    # A screen's profile caps at 30 by default (and keeps no sound, within 25 MB).
    screen = screen_video_profile(64, 48)
    assert (screen.max_fps, screen.keep_sound, screen.max_bytes) == (30, False, 25_000_000)
    made = ensure_video_rendition(library, sha, screen)
    (tmp_path / "d.mp4").write_bytes(library.store.get(made.video.store_key))
    assert describe(tmp_path / "d.mp4")["rate"] == 30


def test_byte_budget_is_kept_on_content_that_will_not_compress(
    library: Library, source_clips: Path
) -> None:
    sha = imported_sha(library, source_clips / "noise.mp4")
    unlimited = ensure_video_rendition(library, sha, VideoProfile(320, 240, max_bytes=50_000_000))
    budget = 150_000
    assert unlimited.video.byte_size > 2 * budget  # so the budget below really has to bite
    capped = ensure_video_rendition(library, sha, VideoProfile(320, 240, max_bytes=budget))
    assert capped.video.byte_size <= budget
    assert capped.video.store_key != unlimited.video.store_key


def test_cancel_stores_nothing(library: Library, source_clips: Path) -> None:
    sha = imported_sha(library, source_clips / "noise.mp4")
    before = set(library.store.keys())
    cancel = threading.Event()
    with pytest.raises(TranscodeCancelled):
        ensure_video_rendition(
            library, sha, VideoProfile(320, 240), progress=lambda _: cancel.set(), cancel=cancel
        )
    made = set(library.store.keys()) - before
    assert all(key.endswith(".jpg") for key in made), made  # only the still fallback
    assert not [p for p in Path(library.store.root).rglob("*") if p.name.startswith(".tmp-")]


@pytest.mark.no_database
def test_bad_profiles_name_the_field() -> None:
    for kwargs, key in (
        ({"width": 1081, "height": 1920}, "width"),
        ({"width": 1080, "height": 1920, "max_fps": 0}, "max_fps"),
        ({"width": 1080, "height": 1920, "max_bytes": 10}, "max_bytes"),
        ({"width": 1080, "height": 1920, "fit": "stretch"}, "fit"),
        ({"width": 1080, "height": 1920, "preset": "quick"}, "preset"),
    ):
        with pytest.raises(InvalidValue) as caught:
            VideoProfile(**kwargs)
        assert caught.value.key == key


def test_cli_render_gives_the_rendition_and_still(run_cli, source_clips: Path) -> None:
    assert run_cli("import", str(source_clips / "phone.mov"), "--artist", "Nova").exit_code == 0
    made = run_cli("artworks", "render", "1", "--size", "64x96", "--fit", "cover", "--json")
    assert made.exit_code == 0, made.stderr
    out = made.json()
    assert (out["video"]["format"], out["video"]["width"], out["video"]["height"]) == (
        "MP4",
        64,
        96,
    )
    assert out["still"]["format"] == "JPEG"
    odd = run_cli("artworks", "render", "1", "--size", "65x96")
    assert odd.exit_code != 0 and "width 65: must be an even whole number" in odd.stderr


def _as_a_terminal_starts_it() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


def test_ctrl_c_in_the_cli_cancels_cleanly(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group: the CLI and its transcode worker."""
    clip = tmp_path / "long-noise.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        noise = [Image.effect_noise((320, 240), 100).convert("RGB") for _ in range(10)]
        for index in range(600):
            frame = av.VideoFrame.from_image(noise[index % 10])
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    home, scratch = tmp_path / "home", tmp_path / "scratch"
    scratch.mkdir()
    cli = [sys.executable, "-m", "urbanart.cli.main", "--home", str(home)]
    env = {**os.environ, "TMPDIR": str(scratch)}
    subprocess.run([*cli, "import", str(clip), "--artist", "Nova"], check=True, env=env)
    # What a terminal gives its foreground job: Ctrl-C neither ignored nor blocked. The test
    # process may hold either (a library's thread or an earlier test's child handling leaves
    # it so, and children inherit both), which made the CLI run on through the signal.
    inherited = (signal.getsignal(signal.SIGINT), signal.pthread_sigmask(signal.SIG_BLOCK, []))
    render = subprocess.Popen(
        [*cli, "artworks", "render", "1", "--size", "640x480", "--max-mb", "50"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_a_terminal_starts_it,
    )
    deadline = time.monotonic() + 120
    while not list(scratch.rglob(".tmp-*.mp4")):  # the worker has started writing
        assert render.poll() is None, "the transcode ended before it could be interrupted"
        assert time.monotonic() < deadline, "the transcode never started"
        time.sleep(0.05)
    os.killpg(render.pid, signal.SIGINT)
    _, stderr = render.communicate(timeout=60)
    assert render.returncode == 130, f"{stderr} (test process: SIGINT handler, mask {inherited})"
    assert "Cancelled; no rendition was stored." in stderr
    assert not list((home / "media" / "renditions").rglob("*.mp4"))
    assert not [p for p in scratch.rglob("*") if p.is_file()]


def test_renditions_have_a_keyframe_every_two_seconds(library: Library, tmp_path: Path) -> None:
    """A player starting mid-item seeks: it must never decode more than 2 s to get there."""
    write_clip(tmp_path / "long.mp4", Clip(width=64, height=48, fps=10, frames=70))
    sha = imported_sha(library, tmp_path / "long.mp4")
    made = ensure_video_rendition(library, sha, VideoProfile(64, 48))
    (tmp_path / "r.mp4").write_bytes(library.store.get(made.video.store_key))
    frames = describe(tmp_path / "r.mp4")["frames"]
    keys = [index for index, frame in enumerate(frames) if frame.key_frame]
    assert keys == [0, 20, 40, 60], keys


@pytest.mark.parametrize(
    ("mean", "expected"),
    [
        (Fraction(24), Fraction(24)),
        (Fraction(24000, 1001), Fraction(24000, 1001)),
        (Fraction(2999, 100), Fraction(30)),
        (Fraction(297, 10), Fraction(30)),
    ],
)
@pytest.mark.no_database
def test_a_source_rate_keeps_the_common_rate_it_is_closest_to(
    mean: Fraction, expected: Fraction
) -> None:
    assert constant_rate(mean) == expected
