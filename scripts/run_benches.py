"""Run every bench/*.py script, each into its own log, then print all their goal lines together.

`make bench` runs this. Each script runs in a fresh process with the studio's Qt platform set to
offscreen (studio_bench needs no display), one after another (the machine's cores are the thing
being measured), bounded by a timeout. Logs go to bench/out/<script>.log. At the end every
`name: value (goal …)` line is printed, under the script it came from, followed by the scripts
that failed or timed out; the exit status is non-zero if any did.

    python scripts/run_benches.py [--timeout SECONDS] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
#: A goal line as the bench rules spell it: `name: value (goal …)`.
GOAL_LINE = re.compile(r"^[A-Za-z][\w.]*: \S+.*\(goal\b.*\)\s*$")


def goal_lines(text: str) -> list[str]:
    """The `name: value (goal …)` lines of a bench's output, in order."""
    return [line.strip() for line in text.splitlines() if GOAL_LINE.match(line.strip())]


def run_one(script: Path, timeout: float) -> tuple[int | None, str, float]:
    """Run one bench script; returns (exit status or None on timeout, its output, seconds)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    log = OUT / f"{script.stem}.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        proc = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a timeout ends the script and whatever it started
        )
        try:
            status: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
            status = None
    return status, log.read_text(encoding="utf-8"), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1800, help="per script, seconds")
    parser.add_argument("--only", nargs="*", help="script names (without .py) to run")
    args = parser.parse_args()
    scripts = sorted(BENCH.glob("*.py"))
    if args.only:
        unknown = set(args.only) - {s.stem for s in scripts}
        if unknown:
            parser.error(f"--only: no bench/{sorted(unknown)[0]}.py")
        scripts = [s for s in scripts if s.stem in args.only]
    OUT.mkdir(exist_ok=True)
    summary: list[tuple[str, list[str]]] = []
    failed: list[str] = []
    for script in scripts:
        print(f"running {script.relative_to(ROOT)} → bench/out/{script.stem}.log …", flush=True)
        status, output, seconds = run_one(script, args.timeout)
        print(f"  done in {seconds:.0f} s (exit status {status})", flush=True)
        summary.append((script.stem, goal_lines(output)))
        if status is None:
            failed.append(f"{script.name}: timed out after {args.timeout:.0f} s")
        elif status != 0:
            tail = output.strip().splitlines()[-1:] or ["(no output)"]
            failed.append(f"{script.name}: exit status {status}: {tail[0]}")
    print("\nGoal lines:")
    for name, lines in summary:
        print(f"[{name}]")
        for line in lines or ["(no goal lines; see the log)"]:
            print(f"  {line}")
    for line in failed:
        print(f"FAILED {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
