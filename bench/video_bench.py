"""Video transcode speed: our rendition path against the `ffmpeg` command, in the same run.

Generates a 30 s 1920×1080 60 fps master once (the ffmpeg command's testsrc2, H.264), then makes
the 1080×1920 screen rendition of it twice, alternating, and keeps each side's best time:
- ours: imaging.video.jobs.run_transcode, the function the rendition cache
  (library.video_renditions) calls: a spawned worker process, PyAV decode, one filter graph,
  libx264, faststart MP4, progress messages to the caller;
- baseline: Debian's `ffmpeg` command with the same settings: the same filter chain (our plan's
  text), codec, preset, CRF, bitrate cap and buffer, profile, colour tags, threads, no audio,
  +faststart.
The two FFmpeg builds differ (PyAV's wheel carries its own), so the ratio also holds the
difference between their x264 versions. Ends with lines `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from urbanart.imaging.video.jobs import run_transcode  # noqa: E402
from urbanart.imaging.video.profile import VideoProfile  # noqa: E402
from urbanart.imaging.video.transcode import plan_for  # noqa: E402

PROFILE = VideoProfile(1080, 1920, "contain")
MASTER = (1920, 1080, 60)


def make_master(path: Path, seconds: int) -> None:
    width, height, fps = MASTER
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
            "-g", str(fps * 2), str(path),
        ],
        check=True,
    )  # fmt: skip


def ffmpeg_command(master: Path, out: Path, seconds: int, threads: int) -> list[str]:
    width, height, fps = MASTER
    plan = plan_for((width, height), 0, Fraction(fps), float(seconds), PROFILE, False)
    x264 = plan.x264_options()
    return [
        "ffmpeg", "-v", "error", "-y", "-threads", str(threads), "-i", str(master),
        "-vf", plan.filter_text(PROFILE.background, PROFILE.fit),
        "-an", "-c:v", "libx264", "-preset", x264["preset"], "-crf", x264["crf"],
        "-maxrate", x264["maxrate"], "-bufsize", x264["bufsize"], "-profile:v", "high",
        "-x264-params", x264["x264-params"], "-color_primaries", "bt709", "-color_trc", "bt709",
        "-colorspace", "bt709", "-color_range", "tv", "-threads", str(threads),
        "-movflags", "+faststart", str(out),
    ]  # fmt: skip


def time_ours(master: Path, out: Path, threads: int) -> float:
    start = time.perf_counter()
    run_transcode(master, out, PROFILE, progress=lambda _done: None, threads=threads)
    return time.perf_counter() - start


def time_ffmpeg(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="length of the master")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side; best counts")
    parser.add_argument("--threads", type=int, default=0, help="0: FFmpeg decides (both sides)")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("the ffmpeg command is needed for the baseline (apt-get install ffmpeg)")
    with tempfile.TemporaryDirectory(prefix="video-bench-") as tmp:
        master = Path(tmp) / "master.mp4"
        print(f"generating a {args.seconds} s 1920×1080 60 fps master…", flush=True)
        make_master(master, args.seconds)
        ours_out, theirs_out = Path(tmp) / "ours.mp4", Path(tmp) / "ffmpeg.mp4"
        command = ffmpeg_command(master, theirs_out, args.seconds, args.threads)
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(time_ours(master, ours_out, args.threads))
            theirs.append(time_ffmpeg(command))
        ours_size, theirs_size = ours_out.stat().st_size, theirs_out.stat().st_size
    best_ours, best_theirs = min(ours), min(theirs)
    print(f"ours (run_transcode, worker process): {', '.join(f'{t:.2f}' for t in ours)} s")
    print(f"ffmpeg command: {', '.join(f'{t:.2f}' for t in theirs)} s")
    print(f"rendition sizes: ours {ours_size:,} bytes, ffmpeg {theirs_size:,} bytes")
    print(f"ffmpeg_transcode_s: {best_theirs:.2f} (baseline, measured in this run)")
    print(f"video_transcode_s: {best_ours:.2f}")
    print(f"video_transcode_ratio: {best_ours / best_theirs:.2f} (goal ≤ 1.2)")


if __name__ == "__main__":
    main()
