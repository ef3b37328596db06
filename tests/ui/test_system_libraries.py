"""Before Qt starts, the studio names a missing X11 library or display in plain words.

`make studio` runs scripts/system_deps.py with the same list. The list is checked against the
installed Qt itself: every system library its xcb plugin and the Qt modules the studio loads
link against must be in it, so a PySide6 upgrade that needs a new one fails here, not on a
curator's machine.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from ui.system_libraries import (
    XCB_LIBRARIES,
    missing_libraries,
    missing_message,
    packages_for,
    qt_platform,
    studio_display_problem,
    x_display_problem,
)

ROOT = Path(__file__).resolve().parents[2]
QT = Path(PySide6.__file__).parent / "Qt"
BOGUS = "liburbanart-no-such-library.so.7"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")


def needed(elf: Path) -> list[str]:
    """The DT_NEEDED sonames of a 64-bit little-endian ELF file (what `readelf -d` lists)."""
    data = elf.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, f"{elf}: not ELF64 LE"
    shoff, shentsize, shnum = (
        struct.unpack_from("<Q", data, 0x28)[0],
        *struct.unpack_from("<HH", data, 0x3A),
    )
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
    ]
    names = []
    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        if kind != 6:  # SHT_DYNAMIC
            continue
        strings = sections[link][4]
        for at in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, at)
            if tag == 1:  # DT_NEEDED
                names.append(data[strings + value : data.index(b"\0", strings + value)].decode())
    return names


@linux_only
def test_the_list_covers_every_system_library_the_xcb_plugin_and_studio_modules_need() -> None:
    binaries = [
        QT / "plugins" / "platforms" / "libqxcb.so",
        *(QT / "lib" / f"libQt6{m}.so.6" for m in ("XcbQpa", "Gui", "Widgets", "Core", "DBus")),
        QT / "lib" / "libQt6Svg.so.6",
    ]
    bundled = {path.name for path in (QT / "lib").iterdir()}
    # what every Linux that runs Python has, and what the Python wheel does not load on its own
    base = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1"}
    base |= {"libzstd.so.1", "libdl.so.2", "libpthread.so.0", "librt.so.1"}
    wanted = {n for b in binaries for n in needed(b) if not n.startswith("ld-")} - bundled - base
    assert "libxcb-cursor.so.0" in wanted  # the one Qt's message names; the reader works
    assert sorted(wanted - set(XCB_LIBRARIES)) == []


def test_a_library_the_loader_cannot_find_is_reported_and_a_present_one_is_not() -> None:
    assert missing_libraries(["libc.so.6", BOGUS]) == [BOGUS]


@linux_only
def test_the_studio_names_the_missing_library_its_package_and_the_command() -> None:
    table = {"libc.so.6": "libc6", BOGUS: "urbanart-no-such-package"}
    problem = studio_display_problem({"DISPLAY": ":0"}, table)
    assert problem is not None
    assert BOGUS in problem and "urbanart-no-such-package" in problem
    assert "libc.so.6" not in problem  # only what is missing
    if shutil.which("apt-get"):
        assert "apt-get install --no-install-recommends urbanart-no-such-package" in problem
    assert "plugin" not in problem  # plain words, not Qt's


def test_a_library_not_in_the_table_is_still_named() -> None:
    message = missing_message([BOGUS], {})
    assert f"Install the package that provides {BOGUS}" in message


def test_packages_are_named_once_each() -> None:
    sonames = ["libglib-2.0.so.0", "libgthread-2.0.so.0", "libxcb-cursor.so.0", BOGUS]
    assert packages_for(sonames) == ["libglib2.0-0", "libxcb-cursor0"]


@pytest.mark.parametrize(
    ("environ", "platform"),
    [
        ({"DISPLAY": ":0"}, "xcb"),
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, "offscreen"),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "wayland"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
        (
            {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"},
            "wayland",
        ),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}, "xcb"),
        ({}, None),
    ],
)
def test_the_platform_qt_will_pick(environ: dict[str, str], platform: str | None) -> None:
    assert qt_platform(environ) == platform


@linux_only
def test_offscreen_and_wayland_need_no_x11_libraries() -> None:
    bogus_table = {BOGUS: "urbanart-no-such-package"}
    assert studio_display_problem({"QT_QPA_PLATFORM": "offscreen"}, bogus_table) is None
    assert studio_display_problem({"WAYLAND_DISPLAY": "wayland-0"}, bogus_table) is None


@linux_only
def test_a_display_nobody_serves_is_named() -> None:
    if missing_libraries(["libxcb.so.1"]):
        pytest.skip("libxcb1 is not installed here")
    number = next(n for n in range(500, 600) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    problem = x_display_problem(f":{number}")
    assert problem is not None and f"':{number}'" in problem and "DISPLAY" in problem


def studio_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE"}
    }
    return {**env, **extra}


@linux_only
def test_the_studio_without_a_display_says_so_and_exits_1(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "ui", "--home", str(tmp_path / "library")],
        env=studio_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "there is no display" in run.stderr and "DISPLAY" in run.stderr
    assert "qt.qpa" not in run.stderr
    assert not (tmp_path / "library").exists()  # stopped before opening anything


@linux_only
def test_the_studio_with_an_unreachable_display_says_so_and_exits_1(tmp_path: Path) -> None:
    if missing_libraries(["libxcb.so.1"]):
        pytest.skip("libxcb1 is not installed here")
    # a display socket nobody listens on: a path that is not a server
    number = next(n for n in range(600, 700) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    run = subprocess.run(
        [sys.executable, "-m", "ui", "--home", str(tmp_path / "library")],
        env=studio_env(DISPLAY=f":{number}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert f"':{number}'" in run.stderr and "does not answer" in run.stderr


def test_system_deps_lists_every_package_ci_installs() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "system_deps.py"), "--packages"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(XCB_LIBRARIES.values()) <= set(out)
    # the three the issue found missing on a fresh Debian
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"} <= set(out)


@linux_only
def test_system_deps_check_agrees_with_the_loader() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "system_deps.py"), "--check"],
        capture_output=True,
        text=True,
    )
    missing = missing_libraries(XCB_LIBRARIES)
    assert (run.returncode == 0) == (not missing), run.stderr
    for soname in missing:
        assert soname in run.stderr
