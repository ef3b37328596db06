"""A small fleet for the multi-process hub tests: screens with hand-built manifests naming one
artwork, plays that are plausible for them, and a real `urbanart serve` child process."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from tests.delivery.conftest import PYTHON, subprocess_env
from tests.delivery.hub_fixtures import (
    add_artwork,
    add_screen,
    manifest_bytes,
    point_current,
    sha,
    write_release,
)
from urbanart.library.library import Library

ARTWORK = b"\x89PNG fleet artwork bytes"
#: A well-formed heartbeat of an idle screen.
HEARTBEAT = {
    "playing": None,
    "manifest_version": "v1",
    "player_version": "fleet-test",
    "free_disk_bytes": 10_000_000_000,
    "errors": [],
}
#: Plays start here, one 15-second slot after another (well inside what the hub accepts).
PLAYS_FROM = (datetime.now(UTC) - timedelta(hours=6)).replace(microsecond=0)


def token_of(index: int) -> str:
    return f"fleet-screen-{index:04d}-0123456789abcdefghij"


def build_fleet(library: Library, home: Path, screens: int) -> dict[str, int]:
    """`screens` screens, each with a published manifest listing ARTWORK; token → screen id."""
    add_artwork(library, ARTWORK, "Fleet Work", "Fleet Artist")
    ids = {
        token_of(i): add_screen(library, f"Fleet {i}", "UTC", token_of(i)) for i in range(screens)
    }
    files = {
        f"screens/{token}/manifest.json": manifest_bytes(token, "v1", items=1, media=[sha(ARTWORK)])
        for token in ids
    }
    write_release(home / "published", 1, files)
    point_current(home / "published", 1)
    return ids


def play_body(record_id: str, slot: int) -> dict[str, object]:
    """A play of ARTWORK in 15-second slot `slot` (12.5 s long, so slots never overlap)."""
    return {
        "id": record_id,
        "artwork_sha256": sha(ARTWORK),
        "playlist": "Fleet",
        "started_at": (PLAYS_FROM + timedelta(seconds=15 * slot)).isoformat(),
        "duration_s": 12.5,
        "manifest_version": "v1",
    }


def start_serve(home: Path, *args: str, timeout: float = 60.0) -> tuple[subprocess.Popen[str], str]:
    """`urbanart serve ARGS` in a child process; (process, base URL) once it answers."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "urbanart.cli.main", "--home", str(home), "serve", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )
    line = proc.stdout.readline()  # type: ignore[union-attr]
    match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
    if match is None:
        proc.kill()
        proc.communicate(timeout=10)
        raise AssertionError(f"serve did not start (see the captured stderr): {line!r}")
    url = match[1]
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url + "screens/none/manifest.json", timeout=timeout)
            return proc, url
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "serve did not answer"
            time.sleep(0.05)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)
