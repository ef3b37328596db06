"""The HDR → SDR tone map of video renditions, as one 3D LUT (a `.cube` file for `lut3d`).

PyAV's FFmpeg has no zscale (zimg), so the whole conversion is baked into a 33³ lookup table
from non-linear BT.2020 R'G'B' (full range, 0..1) to non-linear BT.709 R'G'B':

1. decode the transfer to linear light in nits: PQ (SMPTE ST 2084) is absolute already;
   HLG (ARIB STD-B67) is scene light, turned into display light by the BT.2100 OOTF for a
   1000-nit display (system gamma 1.2);
2. tone-map with the BT.2390 EETF (the ITU's own curve, a Hermite knee in the PQ domain) from
   the source peak, 1000 nits, down to SDR white, 203 nits (BT.2408's HDR reference white, the
   level an SDR grade's 100 % stands for): mid-tones and skin stay as bright as in an SDR grade
   while everything up to 1000 nits is rolled off instead of clipped. The curve is applied to
   max(R, G, B) and the three channels scaled by the same ratio, so hue is kept and no channel
   goes over white;
3. convert primaries BT.2020 → BT.709 (the ITU-R BT.2087 matrix, in linear light);
4. colours outside BT.709 are clipped per channel to 0..1: a BT.2020 primary lands on the
   BT.709 one (the most saturated colour an SDR screen has), with a small hue shift for colours
   in between; desaturating towards grey instead was tried and made full reds pinkish;
5. encode with the BT.709 OETF.

A 33³ table with tetrahedral interpolation is accurate to well under one 8-bit step on these
smooth curves, since the inputs are already perceptually spaced (PQ / HLG code values).

The file is written once per (transfer, parameters) into the user cache folder, named by a
digest of those, written to a temporary file and renamed, so processes can share it safely.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import platformdirs

Transfer = Literal["pq", "hlg"]

#: FFmpeg's numbers for the HDR transfers (AVColorTransferCharacteristic).
TRANSFER_BY_FFMPEG_TRC: dict[int, Transfer] = {16: "pq", 18: "hlg"}

LUT_SIZE = 33
SOURCE_PEAK_NITS = 1000.0
SDR_WHITE_NITS = 203.0
HLG_SYSTEM_GAMMA = 1.2  # BT.2100 for a 1000-nit display
#: Bumped whenever the maths below changes, so old cached tables are not reused.
LUT_VERSION = 1

# SMPTE ST 2084 constants.
_M1 = 2610 / 16384
_M2 = 2523 / 4096 * 128
_C1 = 3424 / 4096
_C2 = 2413 / 4096 * 32
_C3 = 2392 / 4096 * 32
# ARIB STD-B67 constants.
_HLG_A = 0.17883277
_HLG_B = 1 - 4 * _HLG_A
_HLG_C = 0.5 - _HLG_A * math.log(4 * _HLG_A)
#: ITU-R BT.2087: linear BT.2020 RGB → linear BT.709 RGB. Its published values are rounded to
#: four places, so each row is rescaled to sum to exactly 1: a grey stays a neutral grey.
BT2020_TO_BT709 = tuple(
    tuple(v / sum(row) for v in row)
    for row in (
        (1.6605, -0.5876, -0.0728),
        (-0.1246, 1.1329, -0.0083),
        (-0.0182, -0.1006, 1.1187),
    )
)
_LUMA_2020 = (0.2627, 0.6780, 0.0593)


def pq_to_nits(signal: float) -> float:
    """SMPTE ST 2084 EOTF: a PQ code value (0..1) to display light in nits."""
    power = max(signal, 0.0) ** (1 / _M2)
    return float(10000.0 * (max(power - _C1, 0.0) / (_C2 - _C3 * power)) ** (1 / _M1))


def nits_to_pq(nits: float) -> float:
    """The inverse: display light in nits to a PQ code value (0..1)."""
    y = (max(nits, 0.0) / 10000.0) ** _M1
    return float(((_C1 + _C2 * y) / (1 + _C3 * y)) ** _M2)


def hlg_to_scene(signal: float) -> float:
    """ARIB STD-B67 inverse OETF: an HLG code value (0..1) to scene light (0..1)."""
    signal = max(signal, 0.0)
    if signal <= 0.5:
        return signal * signal / 3
    return (math.exp((signal - _HLG_C) / _HLG_A) + _HLG_B) / 12


def bt709_oetf(light: float) -> float:
    """BT.709 OETF: relative linear light (0..1) to a non-linear code value (0..1)."""
    if light < 0.018:
        return 4.5 * max(light, 0.0)
    return float(1.099 * light**0.45 - 0.099)


def bt2390_eetf(nits: float, source_peak: float, target_peak: float) -> float:
    """BT.2390 EETF (black levels 0): display light mastered up to source_peak, mapped into
    0..target_peak with a knee in the PQ domain; below the knee it passes unchanged."""
    if source_peak <= target_peak:
        return min(nits, source_peak)
    peak_pq = nits_to_pq(source_peak)
    e1 = min(nits_to_pq(nits) / peak_pq, 1.0)
    max_lum = nits_to_pq(target_peak) / peak_pq
    knee = 1.5 * max_lum - 0.5
    if e1 < knee:
        e2 = e1
    else:
        t = (e1 - knee) / (1 - knee)
        t2, t3 = t * t, t * t * t
        e2 = (
            (2 * t3 - 3 * t2 + 1) * knee
            + (t3 - 2 * t2 + t) * (1 - knee)
            + (-2 * t3 + 3 * t2) * max_lum
        )
    return pq_to_nits(e2 * peak_pq)


def _display_nits(rgb: tuple[float, float, float], transfer: Transfer) -> list[float]:
    """Non-linear BT.2020 R'G'B' to linear display light in nits (still BT.2020 primaries)."""
    if transfer == "pq":
        return [pq_to_nits(v) for v in rgb]
    scene = [hlg_to_scene(v) for v in rgb]
    luma = sum(w * c for w, c in zip(_LUMA_2020, scene, strict=True))
    gain = SOURCE_PEAK_NITS * luma ** (HLG_SYSTEM_GAMMA - 1) if luma > 0 else 0.0
    return [gain * c for c in scene]


def map_pixel(rgb: tuple[float, float, float], transfer: Transfer) -> tuple[float, float, float]:
    """One colour through the whole map: BT.2020 R'G'B' (PQ or HLG) to BT.709 R'G'B' (0..1)."""
    nits = _display_nits(rgb, transfer)
    brightest = max(nits)
    if brightest <= 0:
        return (0.0, 0.0, 0.0)
    ratio = bt2390_eetf(brightest, SOURCE_PEAK_NITS, SDR_WHITE_NITS) / brightest
    relative = [c * ratio / SDR_WHITE_NITS for c in nits]
    linear = [sum(m * c for m, c in zip(row, relative, strict=True)) for row in BT2020_TO_BT709]
    r, g, b = (bt709_oetf(min(max(c, 0.0), 1.0)) for c in linear)
    return (r, g, b)


def cube_lines(transfer: Transfer, size: int = LUT_SIZE) -> Iterator[str]:
    """The `.cube` text, line by line (red varies fastest, as the format requires)."""
    yield f'TITLE "urbanart {transfer} BT.2020 to SDR BT.709, BT.2390 EETF"'
    yield f"LUT_3D_SIZE {size}"
    steps = [i / (size - 1) for i in range(size)]
    for b in steps:
        for g in steps:
            for r in steps:
                yield "{:.6f} {:.6f} {:.6f}".format(*map_pixel((r, g, b), transfer))


def default_cache_dir() -> Path:
    """Where the tables are kept: <user cache>/urbanart/tone-maps."""
    return Path(platformdirs.user_cache_dir("urbanart", "UrbanArtStudio")) / "tone-maps"


def lut_file(transfer: Transfer, folder: Path | None = None) -> Path:
    """The `.cube` file for this transfer, written on first use (atomically) and reused after.

    Its name is a digest of everything that shapes the table, so a change of parameters gets a
    new file and two processes writing the same one at once both end with identical contents.
    """
    folder = default_cache_dir() if folder is None else folder
    recipe = (
        f"v{LUT_VERSION}|{transfer}|{LUT_SIZE}|{SOURCE_PEAK_NITS}|{SDR_WHITE_NITS}"
        f"|{HLG_SYSTEM_GAMMA}|{BT2020_TO_BT709}"
    )
    digest = hashlib.sha256(recipe.encode("ascii")).hexdigest()[:16]
    path = folder / f"{transfer}-to-bt709-{digest}.cube"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".cube")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write("\n".join(cube_lines(transfer)) + "\n")
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return path
