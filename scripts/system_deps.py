"""Install the system libraries the studio's window needs (Linux), before `make studio` opens it.

Run with the system Python, before the venv exists (standard library only):

    python3 scripts/system_deps.py            # check; install what is missing, or say how
    python3 scripts/system_deps.py --check    # only check: exit status 1 and what is missing
    python3 scripts/system_deps.py --packages # the whole list of Debian packages (for .ci/run)

On a Debian-like system (apt-get present) missing packages are installed with apt-get when
running as root, or with `sudo -n apt-get` when sudo works without a password; otherwise the
script stops (exit status 1) with the exact command to run. Elsewhere it names the libraries.
The list itself lives in ui/system_libraries.py, which the studio checks again when it starts.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ui.system_libraries import (  # after the path above; a stdlib-only module
    EXTRA_PACKAGES,
    XCB_LIBRARIES,
    apt_command,
    missing_libraries,
    missing_message,
    packages_for,
)


def all_packages() -> list[str]:
    """Every Debian package the studio's X11 window needs, for a machine set up from scratch."""
    return sorted({*XCB_LIBRARIES.values(), *EXTRA_PACKAGES})


def venv_packages() -> list[str]:
    """Debian's venv package when this Python cannot make a venv yet (Debian splits it off)."""
    if importlib.util.find_spec("ensurepip") is not None:
        return []
    return [f"python{sys.version_info.major}.{sys.version_info.minor}-venv"]


def apt_runner() -> list[str] | None:
    """How to run apt-get with root rights without asking anything: directly, sudo -n, or None."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return [sudo, "-n"]
    return None


def install(packages: list[str]) -> int:
    """apt-get update + install packages; 1 with the command to type when that needs a password."""
    runner = apt_runner()
    if runner is None:
        print(
            "The studio needs these system packages, and installing them needs root:\n"
            f"    {apt_command(packages)}\n"
            "Run that, then `make studio` again.",
            file=sys.stderr,
        )
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing the studio's system packages: {' '.join(packages)}", flush=True)
    steps = (
        [*runner, "apt-get", "update"],
        [*runner, "apt-get", "install", "-y", "--no-install-recommends", *packages],
    )
    for step in steps:
        if subprocess.run(step, env=env).returncode != 0:
            print(f"`{' '.join(step)}` failed; see its message above.", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--packages", action="store_true", help="print every package the studio needs and exit"
    )
    parser.add_argument(
        "--check", action="store_true", help="only check; exit status 1 when something is missing"
    )
    options = parser.parse_args(argv)
    if options.packages:
        print(" ".join(all_packages()))
        return 0
    if not sys.platform.startswith("linux"):
        print("System libraries: nothing to install on this platform (Qt brings its own).")
        return 0
    missing = missing_libraries(XCB_LIBRARIES)
    venv = venv_packages() if shutil.which("apt-get") else []
    if not missing and not venv:
        print("System libraries for the studio's window: all present.")
        return 0
    if options.check or shutil.which("apt-get") is None:
        if missing:
            print(missing_message(missing), file=sys.stderr)
        if venv:
            print(f"Python cannot create the studio's venv: {apt_command(venv)}", file=sys.stderr)
        return 1
    status = install([*packages_for(missing), *venv])
    if status != 0:
        return status
    # A fresh process: this one's dynamic loader may still hold the cache from before apt-get.
    return subprocess.run([sys.executable, __file__, "--check"]).returncode


if __name__ == "__main__":
    raise SystemExit(main())
