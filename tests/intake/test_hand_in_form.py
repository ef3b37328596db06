"""The hand-in form without JavaScript: a plain multipart POST, CSRF-checked, guarded."""

from __future__ import annotations

import re
from dataclasses import replace

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
from urbanart.intake import pages, review


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


def test_the_blank_form_is_rendered_once_and_carries_each_sessions_token(served: Served) -> None:
    """The hub keeps the call's empty form and puts each page session's token in it: the page is
    what rendering it for that session gives, a changed call gives its new page, and the token
    (it comes from a cookie) is escaped as the template escapes it."""
    call, action = served.call, served.call.path
    for token in ("a" * 32, 'x"><script>alert(1)</script>'):
        cached = pages.blank_call_page(call, action=action, csrf=token)
        assert cached == pages.call_page(call, action=action, csrf=token)
    assert b"<script>alert(1)" not in cached and b"x&#34;&gt;&lt;script&gt;" in cached
    renamed = replace(call, title="Walls <b>at night</b>", submissions=3)
    page = pages.blank_call_page(renamed, action=action, csrf="b" * 32)
    assert page == pages.call_page(renamed, action=action, csrf="b" * 32)
    assert b"Walls &lt;b&gt;at night&lt;/b&gt;" in page
    first, second = requests.Session(), requests.Session()
    tokens = open_form(first, served.page), open_form(second, served.page)
    assert tokens[0] != tokens[1]
    for session, token in zip((first, second), tokens, strict=True):
        html = session.get(served.page, timeout=10).text
        assert html.count(token) == 1 and tokens[0 if token == tokens[1] else 1] not in html
