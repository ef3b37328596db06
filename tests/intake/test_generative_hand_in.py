"""Generative works (HTML5 packages) through an open call: the importer's package guard in the
guard process, the reason naming the entry at fault, only where the call takes them, and an
accepted package imported as a generative work with the artist's still."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
import requests
from PIL import Image

from tests.imaging.packages import CANVAS_PIECE, canvas_package, package_bytes
from tests.intake.conftest import ROOMY, Served, hand_in, make_call, open_form, png_bytes
from tests.intake.test_tus_uploads import create, patch, tus
from urbanart.delivery.server import HubThread
from urbanart.intake import review
from urbanart.library import catalog
from urbanart.library import store as keys
from urbanart.library.library import Library
from urbanart.library.package_import import GENERATIVE, package_listing


@pytest.fixture
def generative(library: Library) -> Iterator[Served]:
    call = make_call(library, title="Code on walls", kinds=("still", "video", "generative"))
    with HubThread(library, intake_rates=ROOMY) as hub:
        yield Served(library, hub.url.rstrip("/"), call, hub)


def bomb_package() -> bytes:
    """A small zip whose one asset inflates to 30 MB of zeros (a thousandfold)."""
    return package_bytes({"index.html": CANVAS_PIECE, "noise.bin": b"\0" * (30 * 1024 * 1024)})


def test_a_package_with_its_still_is_handed_in_then_accepted_as_a_generative_work(
    generative: Served,
) -> None:
    data = canvas_package()
    still = png_bytes((30, 160, 60), (640, 360))
    session = requests.Session()
    csrf = open_form(session, generative.page)
    page = session.get(generative.page, timeout=10).text
    assert 'accept="image/*,video/*,.zip,application/zip"' in page
    assert 'name="work-0-still"' in page and "an HTML5 package" in page
    files = {"work-0-file": ("tide.zip", data), "work-0-still": ("tide.png", still)}
    answer = hand_in(session, generative.page, csrf, files)
    assert answer.status_code == 303, answer.text[-2000:]
    status = session.get(generative.url + answer.headers["location"], timeout=10).text
    assert "a generative work, 2 files" in status
    [entry] = review.list_submissions(generative.library, generative.call.id)
    assert (entry.sha256, entry.package_files) == (hashlib.sha256(data).hexdigest(), 2)
    assert entry.package_label == "Generative (HTML5), 2 files"

    accepted = review.accept(generative.library, entry.id)
    assert accepted.artwork_id is not None
    record = catalog.get_artwork(generative.library, accepted.artwork_id)
    assert record.artist_name == "Ana Lima"
    artwork = record.to_json()
    assert (artwork["kind"], artwork["width"], artwork["height"]) == (GENERATIVE, 640, 360)
    store = generative.library.store
    assert store.get(artwork["asset"]["original_key"]) == data
    listing = package_listing(generative.library, entry.sha256)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for path, sha, _size in listing.files:
            assert store.get(keys.package_file_key(sha)) == archive.read(path)
    # the artist's still, not a capture: the thumbnail is its green
    thumb = Image.open(io.BytesIO(store.get(artwork["asset"]["thumbnail_key"]))).convert("RGB")
    assert thumb.getpixel((thumb.width // 2, thumb.height // 2)) == pytest.approx(
        (30, 160, 60), abs=6
    )
    assert generative.intake_files() == []


def test_bad_packages_and_stills_are_refused_with_their_reasons_and_leave_nothing(
    generative: Served,
) -> None:
    before = set(generative.library.store.keys())
    session = requests.Session()
    csrf = open_form(session, generative.page)
    # by tus: the verdict names the entry that climbs out of the package
    escaping = package_bytes({"index.html": CANVAS_PIECE, "../x.js": "alert(1)"})
    created = create(session, generative, csrf, escaping, "escape.zip")
    assert created.status_code == 201, created.text
    url = generative.url + created.headers["location"]
    assert patch(session, url, csrf, 0, escaping).status_code == 204
    verdict = session.get(url, headers=tus(csrf), timeout=30)
    assert verdict.status_code == 422, verdict.text
    assert "escape.zip: entry '../x.js' escapes the package's folder" in verdict.json()["detail"]
    # by the form: the bomb is stopped by the bytes really inflated
    answer = hand_in(session, generative.page, csrf, {"work-0-file": ("bomb.zip", bomb_package())})
    assert answer.status_code == 422, answer.status_code
    text = answer.text.replace("&#39;", "'")
    assert "bomb.zip: entry 'noise.bin' decompresses to over" in text, text[-2000:]
    assert "zip bomb" in text
    # a still goes with a package only, and is guarded as an image
    beside_png = {"work-0-file": ("red.png", png_bytes()), "work-0-still": ("s.png", png_bytes())}
    answer = hand_in(session, generative.page, csrf, beside_png)
    assert answer.status_code == 422
    assert re.search(r'id="work-0-still-error"[^>]*>only a generative work', answer.text)
    broken = {"work-0-file": ("tide.zip", canvas_package()), "work-0-still": ("s.png", b"PNG?")}
    answer = hand_in(session, generative.page, csrf, broken)
    assert answer.status_code == 422
    assert re.search(r'id="work-0-still-error"[^>]*>s\.png: not an image', answer.text), (
        answer.text[-2000:]
    )
    assert generative.intake_files() == []
    assert review.list_submissions(generative.library, generative.call.id) == []
    assert set(generative.library.store.keys()) == before


def test_a_call_that_takes_no_generative_works_refuses_a_zip_and_offers_no_still(
    library: Library,
) -> None:
    stills = make_call(library, title="Stills", kinds=("still",))
    with HubThread(library, intake_rates=ROOMY) as hub:
        page = hub.url.rstrip("/") + stills.path
        session = requests.Session()
        csrf = open_form(session, page)
        form = session.get(page, timeout=10).text
        assert 'accept="image/*"' in form and "work-0-still" not in form
        answer = hand_in(session, page, csrf, {"work-0-file": ("tide.zip", canvas_package())})
        assert answer.status_code == 422
        reason = "a generative work (an HTML5 package): this call takes stills only"
        assert reason in answer.text, answer.text[-2000:]
        assert review.list_submissions(library, stills.id) == []
        assert not any(p.is_file() for p in (library.home / "intake").rglob("*"))
