"""Screenshots of every studio view on a fresh demo library, for review and for the docs.

Starts Xvfb when there is no DISPLAY (falling back to Qt's offscreen platform when neither Xvfb
nor Qt's xcb plugin is usable), opens the studio at 1440×900 on a demo library in a temporary
home, and saves one PNG per view (plus a selection, a multi-selection and a dark-mode shot).

    python scripts/screenshots.py [--out screenshots] [--size 1440x900]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_xvfb(size: str) -> subprocess.Popen[bytes] | None:
    """A private X server on a free display number, or None when Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        return None
    for number in range(91, 120):
        if Path(f"/tmp/.X{number}-lock").exists():  # noqa: S108 - where X servers lock displays
            continue
        process = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.6)
        if process.poll() is None:
            os.environ["DISPLAY"] = f":{number}"
            return process
    return None


def dark_palette() -> object:
    """A dark palette like the ones KDE, GNOME, macOS and Windows hand to Qt in dark mode."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    for name, color in (
        (role.Window, "#2b2b2e"),
        (role.WindowText, "#e8e8ea"),
        (role.Base, "#1f1f22"),
        (role.AlternateBase, "#2b2b2e"),
        (role.Text, "#e8e8ea"),
        (role.Button, "#35353a"),
        (role.ButtonText, "#e8e8ea"),
        (role.Highlight, "#3d7bd9"),
        (role.HighlightedText, "#ffffff"),
        (role.ToolTipBase, "#35353a"),
        (role.ToolTipText, "#e8e8ea"),
        (role.PlaceholderText, "#8c8c92"),
        (role.Mid, "#444449"),
        (role.Dark, "#18181a"),
        (role.Light, "#4a4a50"),
    ):
        palette.setColor(name, QColor(color))
    disabled = QPalette.ColorGroup.Disabled
    for name in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, name, QColor("#77777d"))
    return palette


def hand_in_examples(library: object) -> None:
    """An open call with the example files handed in (through the hub's own engine steps), so
    the Review view has something to show."""
    from urbanart.intake.calls import create_call
    from urbanart.intake.submissions import ArtistForm, WorkForm, check_hand_in, record_hand_in
    from urbanart.intake.uploads import Guarded, IntakeFolders, guard_file, owner_of
    from urbanart.library.library import Library
    from urbanart.library.settings import load_settings

    assert isinstance(library, Library)
    call = create_call(
        library,
        title="Walls of 2027",
        deadline="2099-03-01T18:00",
        timezone="Europe/Berlin",
        description="Big walls, small screens.",
        terms="You keep your rights; we may show the work on our screens.",
        max_files=3,
        max_bytes=8 * 1024 * 1024,
        licenses=("CC-BY-4.0", "CC-BY-NC-4.0", "all-rights-reserved"),
    )
    folders = IntakeFolders(library.home)
    limits = load_settings(library).import_limits()
    examples = ROOT / "ui" / "assets" / "examples"
    artists = (
        ("Harbour Lights Crew", "crew@example.org", "Night crew painting the docks since 2011."),
        ("Moss Frequency", "moss@example.org", "Green walls, radio noise, slow light."),
        ("Ana Lima", "ana@example.org", "Photographs walls at night."),
    )
    files = {
        artists[0]: list((examples / "submissions" / artists[0][0]).glob("*.png")),
        artists[1]: list((examples / "submissions" / artists[1][0]).glob("*.png")),
        artists[2]: [examples / "night.jpg"],
    }
    for (name, email, bio), paths in files.items():
        works = []
        for index, path in enumerate(sorted(paths)):
            data = path.read_bytes()
            upload = folders.new_upload(call.id, owner_of(email), len(data), path.name)
            folders.data(upload.id).write_bytes(data)
            guarded = guard_file(str(folders.data(upload.id)), path.name, limits)
            assert isinstance(guarded, Guarded), guarded
            title = path.stem.replace("night", "Night Wall")
            work = WorkForm(index, title, "2026", f"{title}, made for the walls of 2027.")
            work.alt_text, work.license = f"The work {title}.", "CC-BY-4.0"
            work.ai_involvement = "digitalCreation"
            work.file_name, work.upload_id, work.guarded = path.name, upload.id, guarded
            works.append(work)
        form = ArtistForm(name, bio, "https://example.org", email, True, works)
        checked = check_hand_in(call, form, 0)
        keys = [folders.adopt(w.upload_id or "", w.file_name) for w in works]
        record_hand_in(library, call, form, checked, keys)


def video_example(library: object, folder: Path) -> None:
    """A short moving work (FFmpeg's testsrc2 pattern, written with PyAV), imported and
    approved, so the shots show a video tile's duration badge and the video in the detail pane."""
    import av

    from urbanart.curation import playlists
    from urbanart.library import catalog
    from urbanart.library.import_sources import scan
    from urbanart.library.importer import ImportRun, import_items

    clip = folder / "tidal-loop.mp4"
    source = "testsrc2=size=640x360:rate=25:duration=12"
    with av.open(source, format="lavfi") as src, av.open(str(clip), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"preset": "veryfast"}
        for frame in src.decode(video=0):
            picture = frame.reformat(format="yuv420p")
            picture.pts = None
            out.mux(stream.encode(picture))
        out.mux(stream.encode(None))
    (result,) = import_items(library, scan([str(clip)], artist="Mira Okafor"), ImportRun())  # type: ignore[arg-type]
    if result.artwork_id is not None:
        catalog.edit_artwork(library, result.artwork_id, title="Tidal Loop", status="approved")  # type: ignore[arg-type]
        first = playlists.list_playlists(library)[0]  # type: ignore[arg-type]
        playlists.add_items(library, first.id, [result.artwork_id])  # type: ignore[arg-type]


def live_example(library: object) -> None:
    """The demo's live work with a few frames from its generator, and a second work whose
    generator sent something that was not an image, so the Live works view shows a live feed,
    a refusal and a silent one."""
    from urbanart.delivery.signing import signing_key
    from urbanart.library.library import Library
    from urbanart.live.demo import demo_live_work
    from urbanart.live.demo_generator import frame_bytes
    from urbanart.live.frames import accept_frame
    from urbanart.live.layout import FrameRefused
    from urbanart.live.works import add_live_work

    assert isinstance(library, Library)
    found = demo_live_work(library)
    assert found is not None
    key = signing_key(library.home).private_key
    for seed in (1, 2, 3):
        accept_frame(library, found[0], frame_bytes(seed, 1920, 1080), key=key)
    other = add_live_work(library, "Tide Tables", "Tidewater Machines", interval_s=30)
    with contextlib.suppress(FrameRefused):  # counted and shown: what the view is about
        accept_frame(library, other.live_work_id, b"<html>not a frame</html>", key=key)


def capture(out: Path, width: int, height: int, dark: bool) -> list[Path]:
    """Open the studio and save the shots; runs inside the chosen display."""
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtGui import QGuiApplication

    from ui import operations
    from ui.app import create_window, make_application
    from ui.views.library_view import LibraryView
    from urbanart.curation.demo import load_demo_curation
    from urbanart.library.demo import load_demo
    from urbanart.library.library import Library
    from urbanart.live.demo import load_demo_live

    def wait(ms: int) -> None:
        """Run the event loop for ms. Not QTest.qWait: PySide keeps the GIL through its sleeps,
        which starves the studio's background threads (a publish check runs 15x slower)."""
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    app = make_application()
    app.setStyle("Fusion")
    if dark:
        # Platforms switch palettes themselves; offscreen/Xvfb have none, so stand in for one.
        QGuiApplication.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="urbanart-shots-") as tmp:
        home = Path(tmp) / "library"
        with Library.open(home) as library:
            load_demo(library)
            load_demo_curation(library, live_artworks=[load_demo_live(library)])
            live_example(library)
            hand_in_examples(library)
            video_example(library, Path(tmp))
        settings = QSettings(str(Path(tmp) / "studio.ini"), QSettings.Format.IniFormat)
        window = create_window(home, settings, start_hub=True)
        window.resize(width, height)

        def settle(ms: int = 400, patience: float = 15) -> None:
            wait(300)  # let debounced searches fire
            deadline = time.monotonic() + patience
            while time.monotonic() < deadline:
                wait(50)
                studio = window.studio
                loading = studio is not None and studio.thumbnails.pending() > 0
                if not operations.busy() and not loading:
                    break
            wait(ms)

        def shot(name: str, patience: float = 15) -> None:
            settle(patience=patience)
            path = out / f"{name}{'-dark' if dark else ''}.png"
            window.grab().save(str(path))
            saved.append(path)

        while not isinstance(window.views.get("library"), LibraryView):
            wait(50)
        view = window.views["library"]
        assert isinstance(view, LibraryView)
        while view.model.rowCount() == 0:
            wait(50)
        settle()
        if dark:
            view.grid.setCurrentIndex(view.model.index(1, 0))
            shot("01-library-selected")
        else:
            shot("00-library")
            view.grid.setCurrentIndex(view.model.index(1, 0))
            shot("01-library-selected")
            view.grid.selectionModel().clearSelection()
            for row in (0, 2, 3, 5):
                view.grid.selectionModel().select(
                    view.model.index(row, 0), view.grid.selectionModel().SelectionFlag.Select
                )
            shot("02-library-multiselect")
            view.grid.clearSelection()
            view.filters.search.setText("zzz no such work")
            shot("03-library-no-match")
            view.filters.search.clear()
            for n, key in enumerate(("artists", "playlists", "schedules", "screens", "publish")):
                window.show_view(key)
                # the first publish check derives every screen's renditions: give it time
                shot(f"{n + 4:02d}-{key}", patience=120 if key == "publish" else 15)
                if key == "publish":  # the video's rendition size under its screens
                    window.views[key].screens.expandAll()  # type: ignore[attr-defined]
                    shot("08b-publish-video-sizes")
                if key == "schedules":
                    window.views[key].show_everywhere_tab()  # type: ignore[attr-defined]
                    shot("06b-schedules-today-everywhere")
                    window.views[key].week_tabs.setCurrentIndex(0)  # type: ignore[attr-defined]
            window.open_preferences()  # Edit ▸ Preferences…: the dialog alone
            while window.preferences is None:
                wait(50)
            settle()
            path = out / "09-preferences.png"
            window.preferences.grab().save(str(path))
            saved.append(path)
            window.preferences.reject()
            window.show_view("screens")  # a screen's pairing addresses, QR code and its notice
            screens_view = window.views["screens"]
            screens_view.table.selectRow(0)  # type: ignore[attr-defined]
            shot("10-screen-pairing")
            window.show_view("review")  # an open call's hand-ins, the first one previewed
            shot("11-review")
            window.show_view("library")  # the video work: playing, with its poster picker
            view.filters.search.setText("Tidal Loop")
            settle()
            view.grid.setCurrentIndex(view.model.index(0, 0))
            settle(1500)
            shot("12-library-video")
            view.filters.search.clear()
            window.show_view("live")  # the demo's live work, its frames, a refused frame
            shot("13-live-works")
        window.close()
        settle(100)
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--size", default="1440x900")
    parser.add_argument("--dark", action="store_true", help="only the dark-mode shot")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.child:
        for path in capture(out, width, height, args.dark):
            print(path)
        return 0

    xvfb = None
    if not os.environ.get("DISPLAY"):
        xvfb = start_xvfb(f"{width + 160}x{height + 160}")
    try:
        status = 1
        for dark in (False, True):
            command = [sys.executable, __file__, "--child", "--out", str(out), "--size", args.size]
            command += ["--dark"] if dark else []
            env = dict(os.environ)
            if os.environ.get("DISPLAY"):
                env.setdefault("QT_QPA_PLATFORM", "xcb")
            status = subprocess.run(command, env=env, check=False).returncode
            if status != 0 and env.get("QT_QPA_PLATFORM") != "offscreen":
                print("The X display did not work for Qt; using the offscreen platform.")
                env["QT_QPA_PLATFORM"] = "offscreen"
                status = subprocess.run(command, env=env, check=False).returncode
            if status != 0:
                return status
        return status
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)


if __name__ == "__main__":
    raise SystemExit(main())
