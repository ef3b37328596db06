"""The HDR → SDR tone map: the generated 3D LUT, and real PQ / HLG clips through a transcode."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import av
import pytest

from tests.imaging.video_clips import write_hdr_bands
from urbanart.imaging.video import tone_map
from urbanart.imaging.video.profile import VideoProfile
from urbanart.imaging.video.tone_map import LUT_SIZE, hlg_to_scene, lut_file, nits_to_pq
from urbanart.imaging.video.transcode import plan_for, transcode

PQ_WHITE = nits_to_pq(1000)  # the mastering peak, as a PQ code value
PQ_GREY = nits_to_pq(100)
PQ_BANDS = [(PQ_WHITE,) * 3, (PQ_GREY,) * 3, (PQ_WHITE, 0.0, 0.0)]  # white, grey, BT.2020 red
PEAK_CODE = {"pq": PQ_WHITE, "hlg": 1.0}
HLG_BANDS = [(1.0, 1.0, 1.0), (0.75, 0.75, 0.75), (0.75, 0.0, 0.0), (0.0, 0.0, 0.0)]


def lut_rows(path: Path) -> list[tuple[float, float, float]]:
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith(("TITLE", "LUT_3D_SIZE")):
            rows.append((float(parts[0]), float(parts[1]), float(parts[2])))
    return rows


@pytest.mark.parametrize("transfer", ["pq", "hlg"])
def test_the_lut_keeps_black_and_rises_along_the_grey_axis(
    transfer: tone_map.Transfer, tmp_path: Path
) -> None:
    path = lut_file(transfer, tmp_path)
    rows = lut_rows(path)
    n = LUT_SIZE
    assert f"LUT_3D_SIZE {n}" in path.read_text() and len(rows) == n**3
    assert rows[0] == (0.0, 0.0, 0.0)  # black stays black
    greys = [rows[i * (n * n + n + 1)] for i in range(n)]  # red fastest: (i, i, i) at i·(n²+n+1)
    assert all(r == g == b for r, g, b in greys)  # neutral stays neutral
    # Rising up to the mastering peak (1000 nits), flat at SDR white above it.
    below_peak = [g[0] for i, g in enumerate(greys) if i / (n - 1) <= PEAK_CODE[transfer]]
    assert all(a < b for a, b in itertools.pairwise(below_peak)), greys
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(greys)), greys
    assert greys[-1][0] == pytest.approx(1.0, abs=1e-3)  # the top code reaches SDR white
    assert all(0.0 <= c <= 1.0 for row in rows for c in row)


def test_the_lut_is_written_once_and_shared(tmp_path: Path) -> None:
    first = lut_file("pq", tmp_path)
    stamp = first.stat().st_mtime_ns
    assert lut_file("pq", tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert lut_file("hlg", tmp_path) != first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_hlg_decoding_matches_the_standard_at_its_joint() -> None:
    # ARIB STD-B67: the square-law and log segments meet at E' = 1/2, scene light 1/12.
    assert hlg_to_scene(0.5) == pytest.approx(1 / 12)
    assert hlg_to_scene(0.5 + 1e-9) == pytest.approx(1 / 12, rel=1e-6)
    assert hlg_to_scene(1.0) == pytest.approx(1.0, rel=1e-6)


def rendered(tmp_path: Path, name: str, bands: list, transfer: str) -> tuple[list[int], list]:
    """Transcode an HDR band clip to 160×90 and decode its middle frame's samples."""
    source = tmp_path / f"{name}.mp4"
    xs = write_hdr_bands(source, bands, transfer)
    with av.open(str(source)) as container:  # the clip is what it claims to be
        context = container.streams.video[0].codec_context
        assert (context.color_primaries, context.colorspace) == (9, 9)
    out = tmp_path / f"{name}-sdr.mp4"
    transcode(source, out, VideoProfile(160, 90))
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        tags = (stream.codec_context.color_primaries, stream.codec_context.color_trc)
        frames = list(container.decode(stream))
    assert tags == (1, 1) and frames[0].format.name == "yuv420p"
    middle = frames[len(frames) // 2]
    y_plane = middle.planes[0]
    y_row = bytes(y_plane)[45 * y_plane.line_size : 46 * y_plane.line_size]
    rgb = middle.reformat(
        format="rgb24", src_colorspace="ITU709", src_color_range="MPEG", dst_color_range="JPEG"
    ).to_image()
    return xs, [(y_row[x], rgb.getpixel((x, 45))) for x in xs]


def test_a_pq_clip_is_tone_mapped_to_sdr(tmp_path: Path) -> None:
    (white_y, white), (grey_y, grey), (_red_y, red) = rendered(tmp_path, "pq", PQ_BANDS, "pq")[1]
    # A 1000-nit white becomes SDR white (limited range: 235), still neutral.
    assert white_y >= 230 and max(white) - min(white) <= 8, (white_y, white)
    # A 100-nit grey (half of SDR white, 203 nits) is a mid grey: neither crushed nor blown.
    assert 130 <= grey_y <= 200 and max(grey) - min(grey) <= 8, (grey_y, grey)
    # A saturated BT.2020 red at the peak stays a saturated (BT.709) red.
    assert red[0] >= 230 and red[1] <= 40 and red[2] <= 70, red
    assert grey_y < white_y


def test_an_hlg_clip_converts_within_range(tmp_path: Path) -> None:
    samples = rendered(tmp_path, "hlg", HLG_BANDS, "hlg")[1]
    (white_y, _), (ref_y, _), (_, red), (black_y, _) = samples
    assert all(15 <= y <= 236 for y, _ in samples), samples  # limited range, ±1 of rounding
    assert white_y >= 230 and black_y <= 20, samples
    # HLG's reference white (75 %, 203 nits on a 1000-nit display) is near SDR white, below the
    # peak; its code value kept as it was would give 16 + 0.75 × 219 ≈ 180.
    assert black_y < ref_y < white_y and ref_y >= 195, samples
    assert red[0] > 150 and red[1] <= 40 and red[2] <= 70, red


def test_filter_text_runs_in_the_ffmpeg_command(tmp_path: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("no ffmpeg command on this machine")
    folder = tmp_path / "odd: name, [with] 'quotes'"
    lut = lut_file("pq", folder)
    plan = plan_for((64, 48), 0, None, 1.0, VideoProfile(64, 48), False, tone_map_lut=lut)
    text = plan.filter_text("#000000", "contain")
    sdr = plan_for((64, 48), 0, None, 1.0, VideoProfile(64, 48), False)
    assert "lut3d" in text and "lut3d" not in sdr.filter_text("#000000", "contain")
    done = subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=64x48:d=0.1",
         "-vf", text, "-f", "null", "-"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
