"""The studio opens its main window on a real X server (Qt's `xcb` platform), not offscreen.

Every other studio test runs Qt offscreen, which needs none of the X11 libraries the `xcb`
plugin links against; this one starts `python -m ui` as a curator would, under Xvfb, and looks
at the window from outside the process (xwininfo, a screenshot), so a missing system library or
a window that never maps fails here. .ci/run installs Xvfb and x11-utils.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageGrab

XVFB = shutil.which("Xvfb")
XWININFO = shutil.which("xwininfo")
LIBRARY_NAME = "firstrun-library"  # the window title names the open library's folder

pytestmark = [
    pytest.mark.skipif(XVFB is None, reason="Xvfb is not installed (apt-get install xvfb)"),
    pytest.mark.skipif(
        XWININFO is None, reason="xwininfo is not installed (apt-get install x11-utils)"
    ),
]


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private Xvfb on a display number the server picks itself (no race with other tests)."""
    assert XVFB is not None
    read, write = os.pipe()
    server = subprocess.Popen(
        [XVFB, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 30)
        number = os.read(read, 32).decode().strip() if ready else ""
        if not number:
            server.kill()
            pytest.fail(f"Xvfb did not start: {server.communicate(timeout=10)[1]!r}")
        yield f":{number}"
    finally:
        os.close(read)
        server.terminate()
        server.wait(timeout=10)


def find_main_window(display: str) -> tuple[str, int, int] | None:
    """(id, width, height) of the studio's main window once it shows the library, else None."""
    assert XWININFO is not None
    tree = subprocess.run(
        [XWININFO, "-display", display, "-root", "-tree"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in tree.splitlines():
        match = re.match(r'\s*(0x[0-9a-f]+) "Urban Art Studio[^"]*' + LIBRARY_NAME, line)
        size = re.search(r"\)\s+(\d+)x(\d+)\+", line)
        if match and size:
            return match.group(1), int(size.group(1)), int(size.group(2))
    return None


def is_viewable(display: str, window_id: str) -> bool:
    assert XWININFO is not None
    info = subprocess.run(
        [XWININFO, "-display", display, "-id", window_id],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "Map State: IsViewable" in info


def settled_screenshot(display: str, timeout: float = 30) -> Image.Image:
    """The screen once two shots a second apart agree (the title changes before the repaint)."""
    shot = ImageGrab.grab(xdisplay=display)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1)
        previous, shot = shot, ImageGrab.grab(xdisplay=display)
        if ImageChops.difference(previous, shot).getbbox() is None:
            break
    return shot


def studio_environment(tmp_path: Path, display: str) -> dict[str, str]:
    """The curator's environment on an X11 desktop, with a fresh library, settings and caches."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"}
    }
    config = tmp_path / "config"
    # Only this computer reaches the studio's hub during the test (the default, made explicit).
    settings = config / "UrbanArtStudio" / "Urban Art Studio.conf"
    settings.parent.mkdir(parents=True)
    settings.write_text("[hub]\nshare_on_network=false\n")
    env.update(
        DISPLAY=display,
        URBANART_HOME=str(tmp_path / LIBRARY_NAME),
        XDG_CONFIG_HOME=str(config),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    return env


def wait_for_main_window(display: str, studio: subprocess.Popen[str]) -> tuple[str, int, int]:
    """The studio's main window once it is mapped and shows the library; fails if none does."""
    found = None
    deadline = time.monotonic() + 120  # a cold start on a busy 2-core machine takes ~15 s
    while time.monotonic() < deadline and studio.poll() is None:
        found = find_main_window(display)
        if found is not None and is_viewable(display, found[0]):
            break
        time.sleep(0.5)
    assert studio.poll() is None, f"the studio exited: {studio.communicate()[1]}"
    assert found is not None, "no studio window showing the library appeared"
    assert is_viewable(display, found[0])
    return found


def stop(studio: subprocess.Popen[str], stop_it: Callable[[], None]) -> str:
    """Stop the studio the way given (killing it only if that fails); its stderr."""
    stop_it()
    try:
        return studio.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        studio.kill()
        return studio.communicate()[1]


def saved_settings(env: dict[str, str]) -> str:
    return (Path(env["XDG_CONFIG_HOME"]) / "UrbanArtStudio" / "Urban Art Studio.conf").read_text()


def test_the_studio_maps_its_main_window_on_xvfb_and_closes_cleanly_on_sigterm(
    x_display: str, tmp_path: Path
) -> None:
    env = studio_environment(tmp_path, x_display)
    studio = subprocess.Popen(
        [sys.executable, "-m", "ui"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, width, height = wait_for_main_window(x_display, studio)
        assert (width, height) >= (960, 600)  # MainWindow's minimum size
        shot = settled_screenshot(x_display)
        shot.save(tmp_path / "studio.png")  # kept with the test's files, to look at
        colours = shot.crop((0, 0, width, height)).getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50, "the window drew (almost) nothing"
    finally:
        stderr = stop(studio, lambda: studio.send_signal(signal.SIGTERM))
    assert studio.returncode == 0, stderr
    assert "qt.qpa.plugin" not in stderr, stderr
    assert "geometry=" in saved_settings(env), "SIGTERM closed the window without saving it"


def test_ctrl_c_in_the_terminal_of_urbanart_studio_closes_the_window_cleanly(
    x_display: str, tmp_path: Path
) -> None:
    """What `make studio` runs; Ctrl+C reaches the command and the studio (one process group)."""
    env = studio_environment(tmp_path, x_display)
    command = subprocess.Popen(
        [sys.executable, "-m", "urbanart.cli.main", "studio"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )
    try:
        wait_for_main_window(x_display, command)
    finally:
        stderr = stop(command, lambda: os.killpg(command.pid, signal.SIGINT))
    assert command.returncode == 0, stderr
    # (ui/operations.py may print "Signal source has been deleted" for work still running)
    assert "Aborted" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert "geometry=" in saved_settings(env), "Ctrl+C closed the window without saving it"
