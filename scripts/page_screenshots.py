"""Screenshots of the viewer pages at phone sizes, light and dark, for people to look at.

Publishes a small sample library (or uses --home, an already published library), serves it with
the hub on 127.0.0.1 and a random port, and opens every page in headless Chromium:

    python scripts/page_screenshots.py [--home LIBRARY] [--out screenshots/pages]

Needs Chromium (Debian: apt-get install chromium; or --chromium PATH) and `pip install playwright`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from urbanart.delivery.publisher import publish  # noqa: E402
from urbanart.delivery.server import HubThread  # noqa: E402
from urbanart.library.library import Library, current_tree  # noqa: E402

VIEWPORTS = ((390, 844), (320, 640))
SCHEMES = ("light", "dark")


def pages_of(library: Library) -> list[str]:
    """Every viewer page of the served tree, as URL paths."""
    tree = current_tree(library)
    return sorted(
        "/" + p.parent.relative_to(tree).as_posix() + "/"
        for folder in ("a", "p", "s")
        for p in (tree / folder).glob("*/index.html")
    )


def shoot(library: Library, out: Path, chromium: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with HubThread(library) as hub, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium)
        try:
            for width, height in VIEWPORTS:
                for scheme in SCHEMES:
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        device_scale_factor=1,
                        color_scheme=scheme,
                    )
                    page = context.new_page()
                    for path in pages_of(library):
                        page.goto(hub.url.rstrip("/") + path, wait_until="load")
                        page.wait_for_timeout(300)
                        name = path.strip("/").replace("/", "-")
                        target = out / f"{name}-{width}-{scheme}.png"
                        page.screenshot(path=str(target), full_page=True)
                        written.append(target)
                    context.close()
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="A published library (default: a sample one).")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots" / "pages")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.home is not None:
            library = Library.open(args.home)
        else:
            from tests.viewers import BASE_URL, build_gallery
            from urbanart.library.settings import update_settings

            library = Library.open(Path(tmp) / "library")
            build_gallery(library, Path(tmp) / "sources")
            update_settings(library, public_base_url=BASE_URL)
            publish(library)
        try:
            for path in shoot(library, args.out, args.chromium):
                print(path)
        finally:
            library.close()


if __name__ == "__main__":
    main()
