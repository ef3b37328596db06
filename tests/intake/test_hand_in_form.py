"""The hand-in form without JavaScript: a plain multipart POST, CSRF-checked, guarded."""

from __future__ import annotations

import re

import requests

from tests.intake.conftest import (
    HTML,
    Served,
    artist_fields,
    hand_in,
    open_form,
    png_bytes,
    work_fields,
)
from urbanart.intake import review


def test_a_hand_in_is_recorded_and_the_status_link_shows_it(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    answer = hand_in(session, served.page, csrf, {"work-0-file": ("red.png", png_bytes())})
    assert answer.status_code == 303, answer.text
    status_url = served.url + answer.headers["location"]
    page = session.get(status_url, timeout=10)
    assert page.status_code == 200
    assert "Red Harbour" in page.text and 'data-state="received"' in page.text
    [record] = review.list_submissions(served.library, served.call.id)
    assert (record.artist, record.email, record.title, record.year) == (
        "Ana Lima",
        "ana@example.org",
        "Red Harbour",
        2024,
    )
    stored = served.library.home / "intake" / "works" / record.file_key / "red.png"
    assert stored.read_bytes() == png_bytes()
    assert served.uploads() == []  # the upload folder was moved, not copied


def test_the_page_is_labelled_and_sets_a_strict_cookie(served: Served) -> None:
    answer = requests.get(served.page, timeout=10)
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    ids = set(re.findall(r'<(?:input|textarea|select)[^>]* id="([^"]+)"', answer.text))
    labelled = set(re.findall(r'<label for="([^"]+)"', answer.text))
    assert ids and ids <= labelled, ids - labelled


def test_a_wrong_csrf_token_is_refused_and_nothing_is_kept(served: Served) -> None:
    session = requests.Session()
    open_form(session, served.page)
    answer = hand_in(session, served.page, "x" * 32, {"work-0-file": ("red.png", png_bytes())})
    assert answer.status_code == 403
    assert served.intake_files() == []
    assert review.list_submissions(served.library, served.call.id) == []


def test_a_post_without_the_page_cookie_is_refused(served: Served) -> None:
    answer = hand_in(
        requests.Session(), served.page, "x" * 32, {"work-0-file": ("a.png", png_bytes())}
    )
    assert answer.status_code == 403
    assert served.intake_files() == []


def test_errors_are_shown_next_to_their_fields_and_typed_html_is_escaped(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    answer = hand_in(
        session, served.page, csrf, {"work-0-file": ("red.png", png_bytes())},
        **artist_fields(name=HTML, bio=HTML, link="javascript:alert(1)", email=HTML),
        **work_fields(title=HTML, year="20x4", description=HTML, alt=HTML, license="GPL"),
    )  # fmt: skip
    assert answer.status_code == 422
    text = answer.text
    assert "<script>" not in text and "<b onmouseover" not in text
    assert "&lt;script&gt;" in text
    for key in ("link", "email", "work-0-year", "work-0-license"):
        assert f'id="{key}-error"' in text, key
        assert f'aria-describedby="{key}-error"' in text, key
    assert served.intake_files() == []  # the form's file went with the refusal


def test_html_typed_by_an_artist_is_escaped_on_the_status_page(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    answer = hand_in(
        session, served.page, csrf, {"work-0-file": ("red.png", png_bytes())},
        **artist_fields(name=HTML, bio=HTML), **work_fields(title=HTML, description=HTML, alt=HTML),
    )  # fmt: skip
    assert answer.status_code == 303
    page = session.get(served.url + answer.headers["location"], timeout=10).text
    assert "<script>" not in page and "&lt;script&gt;" in page
    [record] = review.list_submissions(served.library, served.call.id)
    assert record.title == HTML.strip()  # stored as typed, escaped only when shown
