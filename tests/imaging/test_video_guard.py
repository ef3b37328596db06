"""The video guard: real clips written with PyAV, each accepted with the right facts or refused
with the right reason; the poster frame comes out upright."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.imaging.video_clips import BLUE, RED, Clip, write_audio_only, write_clip
from urbanart.errors import ImportRefused, InvalidValue
from urbanart.imaging.limits import ImportLimits
from urbanart.imaging.video.guard import guard_video
from urbanart.imaging.video.poster import check_poster_time, default_poster_time, poster_image
from urbanart.imaging.video.sniff import iso_truncation, sniff

GOOD = {
    "landscape.mp4": Clip(width=64, height=48),
    "portrait.mp4": Clip(width=48, height=64),
    "phone.mov": Clip(width=64, height=48, rotation=90, container="mov"),
    "phone270.mp4": Clip(width=64, height=48, rotation=-90),
    "vfr.mp4": Clip(vfr=True),
    "tenbit.mp4": Clip(pix_fmt="yuv420p10le"),
    "sound.mp4": Clip(audio=True),
    "vp9.webm": Clip(codec="libvpx-vp9", container="webm"),
    "clip.mkv": Clip(container="matroska"),
    "clip.m4v": Clip(container="ipod"),  # FFmpeg's ipod muxer brands a video file "M4V "
    "long.mp4": Clip(frames=48, fps=12),
}


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("video-clips")
    made = {name: write_clip(folder / name, clip) for name, clip in GOOD.items()}
    made["sound-only.m4a"] = write_audio_only(folder / "sound-only.m4a")
    text = folder / "notes.mp4"
    text.write_text("These are my notes about the video, not the video itself.\n" * 20)
    made["notes.mp4"] = text
    faststart = write_clip(folder / "whole.mp4", Clip(frames=48, faststart=True))
    for name, source, part in (
        ("cut-faststart.mp4", faststart, 2 / 3),
        ("cut-index-last.mp4", made["long.mp4"], 1 / 2),
    ):
        data = source.read_bytes()
        made[name] = folder / name
        made[name].write_bytes(data[: int(len(data) * part)])
    webm = write_clip(folder / "whole.webm", Clip(frames=48, codec="libvpx-vp9", container="webm"))
    data = webm.read_bytes()
    made["cut.webm"] = folder / "cut.webm"
    made["cut.webm"].write_bytes(data[: len(data) // 2])
    made["absurd.mp4"] = write_clip(folder / "absurd.mp4", Clip(fps=1000, frames=5))
    garbled = bytearray(made["long.mp4"].read_bytes())  # same length, picture data overwritten
    start = garbled.find(b"mdat") + 200
    rng = random.Random(1)
    garbled[start : start + 2000] = bytes(rng.randrange(256) for _ in range(2000))
    made["garbled.mp4"] = folder / "garbled.mp4"
    made["garbled.mp4"].write_bytes(bytes(garbled))
    return made


def guard(path: Path, limits: ImportLimits | None = None, **kwargs: float):
    kind = sniff(path.read_bytes()[:64])
    assert kind is not None, f"{path.name} not sniffed as a video"
    return guard_video(path, path.name, kind, limits or ImportLimits(), **kwargs)


@pytest.mark.parametrize(
    ("name", "container", "size", "rotation", "audio", "depth", "codec"),
    [
        ("landscape.mp4", "MP4", (64, 48), 0, False, 8, "h264"),
        ("portrait.mp4", "MP4", (48, 64), 0, False, 8, "h264"),
        ("phone.mov", "MOV", (48, 64), 90, False, 8, "h264"),
        ("phone270.mp4", "MP4", (48, 64), 270, False, 8, "h264"),
        ("tenbit.mp4", "MP4", (64, 48), 0, False, 10, "h264"),
        ("sound.mp4", "MP4", (64, 48), 0, True, 8, "h264"),
        ("vp9.webm", "WEBM", (64, 48), 0, False, 8, "vp9"),
        ("clip.mkv", "MKV", (64, 48), 0, False, 8, "h264"),
        ("clip.m4v", "M4V", (64, 48), 0, False, 8, "h264"),
    ],
)
def test_good_clips_are_accepted_with_their_displayed_facts(
    clips: dict[str, Path],
    name: str,
    container: str,
    size: tuple[int, int],
    rotation: int,
    audio: bool,
    depth: int,
    codec: str,
) -> None:
    info = guard(clips[name])
    clip = GOOD[name]
    assert info.container.format == container
    assert (info.width, info.height) == size
    assert info.rotation == rotation
    assert info.has_audio is audio
    assert info.bit_depth == depth
    assert info.codec == codec
    assert info.frame_count == clip.frames
    assert info.duration_s == pytest.approx(clip.frames / clip.fps, abs=0.05)
    assert info.fps == pytest.approx(clip.fps, rel=0.01)


def test_variable_rate_clip_reports_its_mean_rate(clips: dict[str, Path]) -> None:
    info = guard(clips["vfr.mp4"])
    # intervals alternate 3 and 1 ticks of 1/24 s: a mean of 2 ticks, 12 fps, give or take
    # the last frame's own length
    assert 11 <= info.fps <= 12.5
    assert info.frame_count == GOOD["vfr.mp4"].frames


def test_long_clip_is_checked_by_keyframes_and_last_group(clips: dict[str, Path]) -> None:
    whole = guard(clips["long.mp4"])
    sampled = guard(clips["long.mp4"], short_clip_s=1.0)
    assert sampled == whole
    with pytest.raises(ImportRefused, match=r"^cut\.webm: truncated: the picture stops at"):
        guard(clips["cut.webm"], short_clip_s=1.0)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("sound-only.m4a", r"not a video: it holds only sound \(aac\), no picture"),
        ("cut-faststart.mp4", r"truncated: the file ends inside its mdat box, at [\d,]+ of"),
        ("cut-index-last.mp4", r"truncated: the file ends inside its mdat box"),
        ("cut.webm", r"truncated: the picture stops at \d\.\d s of the 4\.0 s"),
        ("garbled.mp4", r"damaged: the picture cannot be decoded \(Invalid data"),
        ("absurd.mp4", r"absurd frame rate: 1000 frames a second; accepted are 0\.5 to 240"),
    ],
)
def test_bad_clips_are_refused_with_the_reason(
    clips: dict[str, Path], name: str, reason: str
) -> None:
    with pytest.raises(ImportRefused, match=reason) as caught:
        guard(clips[name])
    assert caught.value.file == name


def test_renamed_text_is_not_taken_for_a_video(clips: dict[str, Path]) -> None:
    assert sniff(clips["notes.mp4"].read_bytes()[:64]) is None


def test_limits_refuse_long_and_large_videos(clips: dict[str, Path]) -> None:
    with pytest.raises(ImportRefused, match=r"too long: 4\.0 s, the limit is 2\.0 s"):
        guard(clips["long.mp4"], ImportLimits(max_video_seconds=2))
    with pytest.raises(ImportRefused, match=r"too many pixels: 64×48 is .* the limit is"):
        guard(clips["landscape.mp4"], ImportLimits(max_pixels=64 * 47))
    assert guard(clips["landscape.mp4"], ImportLimits(max_pixels=64 * 48)).width == 64


def test_whole_files_have_no_truncation(clips: dict[str, Path]) -> None:
    assert iso_truncation(clips["long.mp4"]) is None
    assert iso_truncation(clips["phone.mov"]) is None


def _colour_near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(pixel, colour, strict=False))


@pytest.mark.parametrize(
    ("name", "red_at", "blue_at"),
    [
        ("landscape.mp4", (40, 4), (40, 44)),  # red on top, as written
        ("phone.mov", (4, 40), (44, 40)),  # turned a quarter counter-clockwise: red on the left
        ("phone270.mp4", (44, 40), (4, 40)),  # turned clockwise: red on the right
    ],
)
def test_poster_frame_is_upright(
    clips: dict[str, Path], name: str, red_at: tuple[int, int], blue_at: tuple[int, int]
) -> None:
    image = poster_image(clips[name], 0.5)
    info = guard(clips[name])
    assert image.size == (info.width, info.height)
    assert _colour_near(image.getpixel(red_at), RED)
    assert _colour_near(image.getpixel(blue_at), BLUE)


def test_poster_frame_is_the_frame_at_that_time(clips: dict[str, Path]) -> None:
    # the grey bar on the left counts frames: brightness 17 per frame, 12 frames a second
    for at_s, index in ((0.0, 0), (0.5, 6), (0.95, 11)):
        grey = poster_image(clips["landscape.mp4"], at_s).getpixel((2, 24))[0]
        assert abs(grey - index * 17) <= 8, (at_s, grey)


def test_default_poster_time_and_its_checks() -> None:
    assert default_poster_time(120.0) == 1.0
    assert default_poster_time(4.0) == 0.4
    assert check_poster_time("2.5", 10.0) == 2.5
    for bad in ("soon", -1, 10.0, float("nan")):
        with pytest.raises(InvalidValue) as caught:
            check_poster_time(bad, 10.0)
        assert caught.value.key == "poster_at"


def test_pyavs_own_ffmpeg_carries_the_codecs_video_relies_on() -> None:
    # The wheel's FFmpeg, not the system's: encoders for renditions and test clips, decoders for
    # what curators bring (H.264/HEVC/ProRes masters, VP9 WebM, AV1 via dav1d).
    import av

    for name in ("libx264", "libvpx-vp9", "aac"):
        assert av.Codec(name, "w").is_encoder, name
    for name in ("h264", "hevc", "prores", "vp9", "libdav1d"):
        assert av.Codec(name, "r").is_decoder, name
