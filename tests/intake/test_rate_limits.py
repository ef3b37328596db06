"""Rate limits of the intake routes: per address (form posts, upload creations) and per artist."""

from __future__ import annotations

import base64

import requests

from tests.intake.conftest import ROOMY, hand_in, make_call, open_form, png_bytes
from urbanart.delivery.intake_routes import IntakeRates
from urbanart.delivery.rate_limit import Rate
from urbanart.delivery.server import HubThread
from urbanart.intake import review
from urbanart.library.library import Library

ONCE = Rate(burst=1, per_second=0.0001)


def test_form_posts_per_address_are_limited_before_reading(library: Library) -> None:
    call = make_call(library)
    with HubThread(library, intake_rates=IntakeRates(form_per_address=ONCE)) as hub:
        url = hub.url.rstrip("/") + call.path
        session = requests.Session()
        csrf = open_form(session, url)
        first = hand_in(session, url, csrf, {"work-0-file": ("a.png", png_bytes())})
        second = hand_in(session, url, csrf, {"work-0-file": ("b.png", png_bytes((1, 1, 1)))})
    assert first.status_code == 303
    assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
    assert len(review.list_submissions(library, call.id)) == 1


def test_hand_ins_per_artist_are_limited_whatever_the_address(library: Library) -> None:
    call = make_call(library, max_files=5)
    rates = IntakeRates(
        ROOMY.form_per_address, ROOMY.uploads_per_address, ROOMY.uploads_per_session, ONCE
    )
    with HubThread(library, intake_rates=rates) as hub:
        url = hub.url.rstrip("/") + call.path
        answers = []
        for colour in ((1, 2, 3), (4, 5, 6)):
            session = requests.Session()  # a fresh browser each time
            csrf = open_form(session, url)
            answers.append(
                hand_in(session, url, csrf, {"work-0-file": ("a.png", png_bytes(colour))})
            )
        uploads = library.home / "intake" / "uploads"
        leftovers = list(uploads.iterdir()) if uploads.exists() else []
    assert [a.status_code for a in answers] == [303, 422]
    assert "too many hand-ins for this e-mail address" in answers[1].text
    assert leftovers == []


def test_upload_creations_per_address_are_limited(library: Library) -> None:
    call = make_call(library)
    with HubThread(library, intake_rates=IntakeRates(uploads_per_address=ONCE)) as hub:
        url = hub.url.rstrip("/") + call.path
        session = requests.Session()
        csrf = open_form(session, url)
        meta = "filename " + base64.b64encode(b"a.png").decode()
        headers = {
            "Tus-Resumable": "1.0.0",
            "X-CSRF-Token": csrf,
            "Upload-Length": "10",
            "Upload-Metadata": meta,
        }
        codes = [
            session.post(url + "/uploads", headers=headers, timeout=10).status_code
            for _ in range(2)
        ]
    assert codes == [201, 429]
