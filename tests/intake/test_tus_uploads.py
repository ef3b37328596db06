"""Resumable uploads (tus 1.0.0 core, creation, termination) on a call's page."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import time
from urllib.parse import urlsplit

import requests

from tests.intake.conftest import EXECUTABLE, Served, hand_in, noise_png, open_form
from urbanart.intake import calls, review

CHUNK = 256 * 1024


def tus(csrf: str, **headers: str) -> dict[str, str]:
    return {"Tus-Resumable": "1.0.0", "X-CSRF-Token": csrf, **headers}


def create(
    session: requests.Session, served: Served, csrf: str, data: bytes, name: str
) -> requests.Response:
    meta = "filename " + base64.b64encode(name.encode()).decode()
    return session.post(
        served.page + "/uploads",
        headers=tus(csrf, **{"Upload-Length": str(len(data)), "Upload-Metadata": meta}),
        timeout=10,
    )


def patch(
    session: requests.Session, url: str, csrf: str, offset: int, body: bytes
) -> requests.Response:
    headers = tus(
        csrf, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
    )
    return session.patch(url, data=body, headers=headers, timeout=30)


def offset_of(session: requests.Session, url: str, csrf: str) -> int:
    answer = session.head(url, headers=tus(csrf), timeout=10)
    assert answer.status_code == 200, answer.status_code
    return int(answer.headers["Upload-Offset"])


def drop_mid_patch(
    served: Served, session: requests.Session, path: str, csrf: str, offset: int, body: bytes
) -> None:
    """Send a PATCH that declares the whole body, send a third of it, and hang up."""
    parts = urlsplit(served.url)
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: {parts.hostname}\r\nCookie: {cookie}\r\n"
        f"Tus-Resumable: 1.0.0\r\nX-CSRF-Token: {csrf}\r\nUpload-Offset: {offset}\r\n"
        "Content-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + body[: len(body) // 3])


def test_options_tells_the_version_extensions_and_size(served: Served) -> None:
    answer = requests.options(served.page + "/uploads", timeout=10)
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert set(answer.headers["Tus-Extension"].split(",")) == {"creation", "termination"}
    assert int(answer.headers["Tus-Max-Size"]) == served.call.max_bytes


def test_an_upload_resumes_after_a_dropped_connection_and_is_handed_in(served: Served) -> None:
    data = noise_png((700, 700))
    session = requests.Session()
    csrf = open_form(session, served.page)
    created = create(session, served, csrf, data, "noise.png")
    assert created.status_code == 201, created.text
    path = created.headers["Location"]
    url = served.url + path
    assert patch(session, url, csrf, 0, data[:CHUNK]).status_code == 204
    drop_mid_patch(served, session, path, csrf, CHUNK, data[CHUNK:])
    for _ in range(50):  # the hub notices the hang-up and keeps what arrived
        offset = offset_of(session, url, csrf)
        if offset > CHUNK and not served.hub.hub.intake.busy:
            break

        time.sleep(0.05)
    assert CHUNK < offset <= CHUNK + (len(data) - CHUNK) // 3
    assert patch(session, url, csrf, CHUNK, data[CHUNK:]).status_code == 409  # stale offset
    while offset < len(data):
        answer = patch(session, url, csrf, offset, data[offset : offset + CHUNK])
        assert answer.status_code == 204, answer.text
        offset = int(answer.headers["Upload-Offset"])
    upload_id = path.rsplit("/", 1)[1]
    answer = hand_in(session, served.page, csrf, {}, **{"work-0-upload": upload_id})
    assert answer.status_code == 303, answer.text
    [record] = review.list_submissions(served.library, served.call.id)
    stored = served.library.home / "intake" / "works" / record.file_key / "noise.png"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert served.uploads() == []


def test_a_refused_upload_answers_the_importers_reason_and_leaves_nothing(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    created = create(session, served, csrf, EXECUTABLE, "photo.png")
    url = served.url + created.headers["Location"]
    answer = patch(session, url, csrf, 0, EXECUTABLE)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("photo.png: ")
    assert served.uploads() == [] and served.intake_files() == []


def test_uploads_belong_to_the_page_session_that_made_them(served: Served) -> None:
    mine, theirs = requests.Session(), requests.Session()
    csrf = open_form(mine, served.page)
    other = open_form(theirs, served.page)
    url = served.url + create(mine, served, csrf, b"x" * 100, "a.png").headers["Location"]
    assert theirs.head(url, headers=tus(other), timeout=10).status_code == 404
    assert patch(theirs, url, other, 0, b"x" * 100).status_code == 404
    assert patch(mine, url, "y" * 32, 0, b"x" * 100).status_code == 403  # CSRF header wrong
    assert theirs.delete(url, headers=tus(other), timeout=10).status_code == 404
    assert offset_of(mine, url, csrf) == 0


def test_termination_removes_the_upload(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    url = served.url + create(session, served, csrf, b"x" * 1000, "a.png").headers["Location"]
    assert patch(session, url, csrf, 0, b"x" * 10).status_code == 204
    assert session.delete(url, headers=tus(csrf), timeout=10).status_code == 204
    assert served.uploads() == []
    assert session.head(url, headers=tus(csrf), timeout=10).status_code == 404


def test_limits_deadline_and_version_are_enforced(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    too_big = b"x" * (served.call.max_bytes + 1)
    assert create(session, served, csrf, too_big, "big.png").status_code == 413
    url = served.url + create(session, served, csrf, b"x" * 100, "a.png").headers["Location"]
    assert patch(session, url, csrf, 0, b"x" * 101).status_code == 413  # more than declared
    no_version = session.post(served.page + "/uploads", headers={"X-CSRF-Token": csrf}, timeout=10)
    assert no_version.status_code == 412
    calls.close_call(served.library, served.call.id)
    served.hub.hub.intake._calls.clear()
    assert create(session, served, csrf, b"x" * 100, "b.png").status_code == 403
    assert patch(session, url, csrf, 0, b"x" * 100).status_code == 403
    assert len(served.uploads()) == 1  # only the first, empty one: nothing was added after


def test_abandoned_uploads_are_swept_and_fresh_ones_kept(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    create(session, served, csrf, b"x" * 1000, "old.png")
    create(session, served, csrf, b"x" * 1000, "new.png")
    old, new = sorted(served.uploads(), key=lambda p: (p / "info.json").read_text().count("old"))[
        ::-1
    ]
    assert "old.png" in (old / "info.json").read_text()
    long_ago = time.time() - 3 * 24 * 3600
    for path in (old, old / "data"):
        os.utime(path, (long_ago, long_ago))
    folders = served.hub.hub.intake.folders
    assert folders.sweep(2 * 24 * 3600) == 1
    assert served.uploads() == [new]
