"""The system libraries Qt's X11 (xcb) platform needs on Linux, and plain words when one is missing.

PySide6's wheels carry Qt itself but not the X11 client libraries its `xcb` platform plugin
links against; on a fresh Debian or Ubuntu several are absent (libxcb-cursor0, libxcb-icccm4,
libxcb-keysyms1…) and Qt stops with a plugin message that names only one of them. This module
holds the list once, for three users: the studio checks it before creating its QApplication
(ui/app.py), `make studio` installs what is missing (scripts/system_deps.py, run with the system
Python before the venv exists, hence standard library only and no Qt), and .ci/run installs the
whole list so CI can start the studio on a real X server.

The list is what ``readelf -d`` shows as NEEDED for ``plugins/platforms/libqxcb.so``,
``libQt6XcbQpa``, ``libQt6Gui``, ``libQt6Widgets``, ``libQt6Core``, ``libQt6DBus`` and
``libQt6Svg`` (PySide6 6.11), less what every Linux with a Python already has (libc, libm,
libstdc++, libgcc_s, zlib, zstd) and what the wheel bundles (ICU). Qt 6 no longer uses
libxcb-xinerama0 (Qt 5 did).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from collections.abc import Iterable, Mapping

#: soname the studio loads → the Debian/Ubuntu package that provides it.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",  # libglib2.0-0t64 on Debian 13 / Ubuntu 24.04 provides it
    "libgthread-2.0.so.0": "libglib2.0-0",
}

#: Not libraries, but without them the studio's text is boxes (fontconfig finds no font).
EXTRA_PACKAGES: tuple[str, ...] = ("fonts-dejavu-core",)


def missing_libraries(sonames: Iterable[str]) -> list[str]:
    """The sonames the dynamic loader cannot load, in the order given.

    Loading is the test that matters: it honours LD_LIBRARY_PATH and multiarch folders the way
    Qt's own loading will, and a library present without its own dependencies counts as missing
    (its dependency is in the list too, so it is named as well).
    """
    missing = []
    for soname in sonames:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def packages_for(sonames: Iterable[str], table: Mapping[str, str] = XCB_LIBRARIES) -> list[str]:
    """The Debian packages providing sonames, each once, in a stable order."""
    return sorted({table[s] for s in sonames if s in table})


def apt_command(packages: Iterable[str]) -> str:
    """The command a user types to install packages (through sudo unless already root)."""
    sudo = "" if _is_root() else "sudo "
    return f"{sudo}apt-get install --no-install-recommends {' '.join(packages)}"


def missing_message(missing: Iterable[str], table: Mapping[str, str] = XCB_LIBRARIES) -> str:
    """A plain explanation of which libraries are missing and how to install them."""
    missing = list(missing)
    named = ", ".join(f"{s} (package {table[s]})" if s in table else s for s in missing)
    lines = [
        "Urban Art Studio cannot open its window: the system is missing "
        f"{'this library' if len(missing) == 1 else 'these libraries'}, which Qt needs to "
        f"draw on an X11 display: {named}."
    ]
    packages = packages_for(missing, table)
    unknown = [s for s in missing if s not in table]
    if packages and shutil.which("apt-get"):
        lines.append(f"Install {'it' if len(packages) == 1 else 'them'} with:")
        lines.append(f"    {apt_command(packages)}")
    elif packages:
        lines.append(
            f"Install them with your package manager (their Debian names: {' '.join(packages)})."
        )
    if unknown:
        lines.append(f"Install the package that provides {', '.join(unknown)}.")
    lines.append("Then start the studio again.")
    return "\n".join(lines)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def qt_platform(environ: Mapping[str, str]) -> str | None:
    """The platform plugin Qt will pick on Linux given environ, or None when there is no display.

    QT_QPA_PLATFORM wins (its first entry, as in "wayland;xcb"); otherwise Qt 6 prefers Wayland
    in a Wayland session and X11 wherever DISPLAY is set.
    """
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    wayland = bool(environ.get("WAYLAND_DISPLAY"))
    if wayland and (environ.get("XDG_SESSION_TYPE") == "wayland" or not environ.get("DISPLAY")):
        return "wayland"
    if environ.get("DISPLAY"):
        return "xcb"
    return None


_open_probes: list[int] = []


def x_display_problem(display: str) -> str | None:
    """Why the X server at display cannot be reached (libxcb's own connection), or None."""
    xcb = ctypes.CDLL("libxcb.so.1")
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    if xcb.xcb_connection_has_error(connection) == 0:
        # Kept open: when its only client leaves, a bare X server (Xvfb, xvfb-run) resets, and
        # Qt's own connection a moment later would find it resetting and fail.
        _open_probes.append(connection)
        return None
    xcb.xcb_disconnect(connection)
    return (
        f"Urban Art Studio cannot open its window: the X display {display!r} (DISPLAY) does not "
        "answer or refuses this user. Start the studio from a terminal in your desktop session, "
        "or set DISPLAY to a running X server."
    )


NO_DISPLAY = (
    "Urban Art Studio cannot open its window: there is no display (neither DISPLAY nor "
    "WAYLAND_DISPLAY is set). Start it from a terminal inside your desktop session; over SSH "
    "use `ssh -X`, or run it under `xvfb-run` to start it without a screen."
)


def studio_display_problem(
    environ: Mapping[str, str], libraries: Mapping[str, str] = XCB_LIBRARIES
) -> str | None:
    """What stops the studio from opening a window here, in plain words, or None.

    Checked before Qt is started, because Qt reports a missing library as "could not load the
    Qt platform plugin xcb" and aborts. Only Linux's X11 platform needs checking: other
    platforms (offscreen in tests, Wayland, macOS, Windows) bring what they need.
    """
    if not sys.platform.startswith("linux"):
        return None
    platform = qt_platform(environ)
    if platform is None:
        return NO_DISPLAY
    if platform != "xcb":
        return None
    missing = missing_libraries(libraries)
    if missing:
        return missing_message(missing, libraries)
    display = environ.get("DISPLAY", "")
    if not display:
        return NO_DISPLAY
    return x_display_problem(display)
