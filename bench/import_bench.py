"""Import throughput against two baselines doing the naive work, measured in the same run.

Generates 40 photos of 4000×3000 (JPEG; some with EXIF rotation, some with an embedded non-sRGB
profile), imports them through the real import path (thumbnail plus two renditions, worker
processes, the catalog written by one writer), then does the same work the obvious way — full
decode, the same conversions and resizes, no draft mode — twice:
- plain loop: one process;
- same workers: a spawned multiprocessing Pool with as many processes as the import uses
  (importer.worker_count), each doing the plain loop's work for one file at a time; pool start-up
  is timed, as the import's is.
The second baseline separates what the import gains by doing less work per file from what it
gains by using every core. Ends with lines `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.imaging.corpus import swapped_primaries_profile  # noqa: E402
from urbanart.imaging.renditions import RenditionProfile  # noqa: E402
from urbanart.library.import_sources import scan  # noqa: E402
from urbanart.library.importer import (  # noqa: E402
    ImportRun,
    Status,
    import_items,
    worker_count,
)
from urbanart.library.library import Library  # noqa: E402

PROFILES = (
    RenditionProfile(1920, 1080, "contain", format="JPEG"),
    RenditionProfile(1080, 1920, "contain", format="JPEG"),
)


def make_photo(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A photo-like picture: smooth light, shapes and grain, so JPEG sizes are realistic."""
    small = Image.new("RGB", (size[0] // 16, size[1] // 16))
    draw = ImageDraw.Draw(small)
    for _ in range(30):
        x, y = rng.randrange(small.width), rng.randrange(small.height)
        r = rng.randint(5, 60)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    img = small.filter(ImageFilter.GaussianBlur(6)).resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 18).convert("RGB")
    return Image.blend(img, grain, 0.08)


def write_corpus(folder: Path, count: int) -> list[Path]:
    rng = random.Random(40)
    base = [make_photo(rng, (4000, 3000)) for _ in range(4)]
    icc = swapped_primaries_profile()
    paths = []
    for i in range(count):
        img = base[i % len(base)].rotate(i * 3, resample=Image.Resampling.NEAREST)
        exif = Image.Exif()
        kwargs: dict = {"quality": 90}
        if i % 3 == 1:
            exif[0x0112] = 6  # rotate 90° clockwise on display
        if i % 4 == 2:
            kwargs["icc_profile"] = icc
        path = folder / f"photo-{i:02d}.jpg"
        img.save(path, "JPEG", exif=exif, **kwargs)
        paths.append(path)
    return paths


def plain_one(path: Path) -> int:
    """One file the obvious way: decode fully, convert, resize each output, encode.

    Returns the bytes encoded, so the work is visibly done."""
    data = path.read_bytes()
    img = Image.open(io.BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img)
    icc = img.info.get("icc_profile")
    if icc:
        srgb = ImageCms.createProfile("sRGB")
        img = ImageCms.profileToProfile(
            img, ImageCms.ImageCmsProfile(io.BytesIO(icc)), srgb, outputMode="RGB"
        )
    img = img.convert("RGB")
    thumb = img.copy()
    thumb.thumbnail((480, 480), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80)
    written = out.tell()
    for profile in PROFILES:
        fitted = ImageOps.pad(img, (profile.width, profile.height), Image.Resampling.BICUBIC)
        out = io.BytesIO()
        fitted.save(out, "JPEG", quality=profile.quality)
        written += out.tell()
    return written


def plain_loop(paths: list[Path]) -> float:
    """The obvious single-process way, file after file."""
    start = time.perf_counter()
    for path in paths:
        plain_one(path)
    return time.perf_counter() - start


def same_workers(paths: list[Path], workers: int) -> float:
    """The plain work per file in a pool of `workers` spawned processes (start-up included)."""
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        written = pool.map(plain_one, paths, chunksize=1)
    elapsed = time.perf_counter() - start
    if not all(written):
        raise SystemExit("the pooled baseline encoded nothing for some file")
    return elapsed


def real_import(paths: list[Path], home: Path) -> float:
    with Library.open(home) as library:
        items = scan(paths, artist="Bench Collective")
        start = time.perf_counter()
        results = import_items(library, items, ImportRun(profiles=PROFILES))
        elapsed = time.perf_counter() - start
    bad = [r for r in results if r.status is not Status.IMPORTED]
    if bad:
        raise SystemExit(f"import failed for {len(bad)} files: {bad[0].reason}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        print(f"generating {args.count} photos of 4000×3000…", flush=True)
        paths = write_corpus(folder, args.count)
        workers = worker_count(ImportRun(profiles=PROFILES))
        import_s = real_import(paths, Path(tmp) / "library")
        plain_s = plain_loop(paths)
        pooled_s = same_workers(paths, workers)
    import_rate = args.count / import_s
    plain_rate = args.count / plain_s
    pooled_rate = args.count / pooled_s
    print(f"import ({workers} workers): {import_s:.2f} s ({import_rate:.2f} photos/s)")
    print(f"plain loop (1 process): {plain_s:.2f} s ({plain_rate:.2f} photos/s)")
    print(f"plain work, {workers} workers: {pooled_s:.2f} s ({pooled_rate:.2f} photos/s)")
    print(f"plain_loop_photos_per_s: {plain_rate:.2f} (baseline, measured in this run)")
    print(f"same_workers_photos_per_s: {pooled_rate:.2f} (baseline, measured in this run)")
    print(f"import_photos_per_s: {import_rate:.2f}")
    print(f"import_throughput_ratio: {import_rate / plain_rate:.2f} (goal ≥ 3.0)")
    print(f"import_vs_same_workers_ratio: {import_rate / pooled_rate:.2f} (goal ≥ 1.5)")


if __name__ == "__main__":
    main()
