"""How fast the `urbanart` command starts, against `python -c "import click"` in the same run.

Each run starts fresh processes, alternating so a busy moment of the machine touches both
sides: the baseline (the interpreter plus click, the least any click program costs), then
`urbanart --version`, `urbanart --help` and, for information, `urbanart artists --help` (which
imports that group's engine modules). The figures are medians over the runs. Ends with
`name: value (goal …)` lines.

    python bench/cli_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: The console script pip made next to this interpreter, started as a curator starts it.
URBANART = Path(sys.executable).with_name("urbanart")


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    args = parser.parse_args()
    if not URBANART.exists():
        raise SystemExit(f"no {URBANART}: install the package (make .venv/.installed) first")
    commands = {
        "import click": [sys.executable, "-c", "import click"],
        "urbanart --version": [str(URBANART), "--version"],
        "urbanart --help": [str(URBANART), "--help"],
        "urbanart artists --help": [str(URBANART), "artists", "--help"],
    }
    for command in commands.values():  # warm the disk cache; not timed
        _time(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(_time(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        spread = f"{min(times[name]) * 1000:.0f}–{max(times[name]) * 1000:.0f}"
        print(f"{name:24} median {value * 1000:5.0f} ms (runs: {spread} ms)")
    baseline = median["import click"]
    print(f"cli_help_ratio: {median['urbanart --help'] / baseline:.2f} (goal ≤ 2.0)")
    print(f"cli_startup_ratio: {median['urbanart --version'] / baseline:.2f} (goal ≤ 2.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
