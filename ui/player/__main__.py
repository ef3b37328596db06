"""`python -m ui.player --state DIR`: the full-screen player (what `urbanart player` starts)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path


def parser() -> argparse.ArgumentParser:
    """The window's options (`urbanart player` passes --state and, if given, --language)."""
    parser = argparse.ArgumentParser(prog="urbanart-player", description=__doc__)
    parser.add_argument("--state", type=Path, help="The player's state folder (paired already).")
    parser.add_argument("--windowed", action="store_true", help="A window instead of full screen.")
    parser.add_argument("--push-port", type=int, help="Accept signed pushes on this port.")
    parser.add_argument("--push-secret-file", type=Path, help="The screen's push secret.")
    parser.add_argument(
        "--language",
        default="",
        help="The screen's languages, e.g. ja,en: the caption's fixed words in the first we have "
        "(default: those the screen's manifest names, else English).",
    )
    return parser


def languages_of(args: argparse.Namespace) -> list[str]:
    """--language as a list ("ja,en" → ["ja", "en"]); [] when not given."""
    return [code.strip() for code in str(args.language).split(",") if code.strip()]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    from PySide6.QtWidgets import QApplication

    from ui.player.web_piece import prepare_web_engine
    from ui.player.window import PlayerWindow
    from urbanart.errors import UrbanArtError
    from urbanart.player.core import Player
    from urbanart.player.pairing import default_state

    if not prepare_web_engine():  # before the QApplication, as QtWebEngine requires
        logging.info("QtWebEngine is not installed: generative works show their stills")
    app = QApplication(sys.argv[:1])
    # A service manager stops the screen with SIGTERM: quit cleanly so the last play is kept.
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    app.setApplicationName("Urban Art player")
    try:
        player = Player(args.state or default_state())
    except UrbanArtError as exc:
        print(exc, file=sys.stderr)
        return 2
    listener = None
    if args.push_port and args.push_secret_file:
        from urbanart.player.push_listener import PushListener

        secret = args.push_secret_file.read_text("utf-8").strip()
        listener = PushListener(player, secret, port=args.push_port)
        listener.start()
    window = PlayerWindow(player, languages=languages_of(args))
    if args.windowed:
        window.resize(960, 540)
        window.show()
    else:
        window.showFullScreen()
    try:
        return app.exec()
    finally:
        window.shutdown()
        if listener is not None:
            listener.stop()
        player.close()


if __name__ == "__main__":
    raise SystemExit(main())
