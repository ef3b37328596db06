"""Hostile and mistaken hand-ins: each refused with a specific reason, nothing left on disk."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.intake.conftest import (
    EXECUTABLE,
    Served,
    bomb_png,
    hand_in,
    open_form,
    png_bytes,
    work_fields,
)
from urbanart.intake import calls, review
from urbanart.library.import_sources import ImportItem
from urbanart.library.importer import ImportRun, import_items
from urbanart.library.library import Library


def import_reason(library: Library, tmp: Path, name: str, data: bytes) -> str:
    """What `urbanart import` says about the same bytes (the same guard must say the same)."""
    path = tmp / name
    path.write_bytes(data)
    [result] = import_items(library, [ImportItem(path, artist_hint="X")], ImportRun(workers=1))
    assert result.reason is not None
    return result.reason


def refused_reason(served: Served, name: str, data: bytes) -> str:
    session = requests.Session()
    csrf = open_form(session, served.page)
    answer = hand_in(session, served.page, csrf, {"work-0-file": (name, data)})
    assert answer.status_code == 422, answer.text
    assert served.intake_files() == []
    assert review.list_submissions(served.library, served.call.id) == []
    return answer.text


def test_a_decompression_bomb_is_refused_with_the_importers_reason(
    served: Served, tmp_path: Path
) -> None:
    data = bomb_png()
    reason = import_reason(served.library, tmp_path, "bomb.png", data)
    assert "pixels" in reason
    assert reason in refused_reason(served, "bomb.png", data).replace("&#39;", "'")


def test_a_renamed_executable_is_refused_with_the_importers_reason(
    served: Served, tmp_path: Path
) -> None:
    reason = import_reason(served.library, tmp_path, "photo.png", EXECUTABLE)
    page = refused_reason(served, "photo.png", EXECUTABLE).replace("&#39;", "'")
    assert reason in page


def test_a_file_over_the_calls_limit_is_cut_off_and_removed(
    library: Library, served: Served
) -> None:
    small = calls.create_call(
        library, title="Tiny", deadline="2099-01-01T00:00", timezone="UTC", max_bytes=50_000
    )
    url = served.url + small.path
    session = requests.Session()
    csrf = open_form(session, url)
    answer = hand_in(session, url, csrf, {"work-0-file": ("big.png", b"\x89PNG" + b"\0" * 200_000)})
    assert answer.status_code == 422
    assert "the limit is 0 MB" in answer.text or "too large" in answer.text
    assert served.intake_files() == []


def test_more_works_than_the_call_allows_are_refused(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    for round_ in range(2):
        files = {
            f"work-{i}-file": (f"w{round_}{i}.png", png_bytes((10 * i + round_, 50, 90)))
            for i in range(2)
        }
        fields = {k: v for i in range(2) for k, v in work_fields(i, title=f"W{round_}{i}").items()}
        answer = hand_in(session, served.page, csrf, files, **fields)
        if round_ == 0:
            assert answer.status_code == 303
    assert answer.status_code == 422
    assert "at most 3 works per artist" in answer.text
    assert len(review.list_submissions(served.library, served.call.id)) == 2
    assert len(served.intake_files()) == 2  # only the first hand-in's files


def test_a_huge_declared_body_is_refused_before_reading(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    host, port = urlsplit(served.url).hostname, urlsplit(served.url).port
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    head = (
        f"POST {served.call.path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {2 * 1024**3}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + b"--xyz\r\n")  # then nothing: the answer must not wait for 2 GB
        answer = sock.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert csrf and served.intake_files() == []


def test_a_file_name_with_dot_dot_stays_inside_the_works_folder(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    answer = hand_in(
        session, served.page, csrf, {"work-0-file": ("../../../evil.png", png_bytes())}
    )
    assert answer.status_code == 303
    [record] = review.list_submissions(served.library, served.call.id)
    assert record.file_name == "evil.png"
    [stored] = served.intake_files()
    assert stored.parent.parent == served.library.home / "intake" / "works"
    assert not (served.library.home / "evil.png").exists()


def test_after_the_deadline_the_page_and_the_form_are_refused(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    calls.close_call(served.library, served.call.id)
    served.hub.hub.intake._calls.clear()  # the hub caches a call for a second
    assert session.get(served.page, timeout=10).status_code == 403
    answer = hand_in(session, served.page, csrf, {"work-0-file": ("red.png", png_bytes())})
    assert answer.status_code == 403
    assert "closed" in answer.text
    assert served.intake_files() == []


def test_an_invite_only_call_needs_a_live_invite(library: Library, served: Served) -> None:
    private = calls.create_call(
        library, title="Invited", deadline="2099-01-01T00:00", timezone="UTC", invite_only=True
    )
    assert requests.get(served.url + private.path, timeout=10).status_code == 403
    invite = calls.invite(library, private.id, "Bo", "bo@example.org")
    link = served.url + invite.path(private)
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and 'value="bo@example.org"' in page.text
    calls.revoke(library, private.id, "bo@example.org")
    assert requests.get(link, timeout=10).status_code == 403


def test_a_cut_off_still_is_refused_as_truncated_by_the_hand_in_guard(tmp_path: Path) -> None:
    """The hand-in guard decodes JPEG at reduced scale (and PNG whole) to stay cheap: a file
    cut anywhere in its image data must still be refused, with the importer's reason."""
    import io
    import os

    from PIL import Image

    from urbanart.imaging.limits import ImportLimits
    from urbanart.imaging.probe import TRUNCATED
    from urbanart.intake.uploads import Guarded, Refused, guard_file

    picture = Image.frombytes("RGB", (1200, 900), os.urandom(1200 * 900 * 3))
    for fmt, name in (("JPEG", "photo.jpg"), ("PNG", "photo.png")):
        out = io.BytesIO()
        picture.save(out, fmt)
        whole = out.getvalue()
        path = tmp_path / name
        path.write_bytes(whole)
        assert isinstance(guard_file(str(path), name, ImportLimits()), Guarded)
        for cut in (len(whole) // 3, len(whole) // 2, len(whole) - 300):
            path.write_bytes(whole[:cut])
            verdict = guard_file(str(path), name, ImportLimits())
            assert verdict == Refused(TRUNCATED), (name, cut, verdict)
