"""Resumable uploads (tus 1.0.0 core, creation, termination) on a call's page."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import socket
import time
from urllib.parse import urlsplit

import requests

from tests.intake.conftest import EXECUTABLE, Served, hand_in, noise_png, open_form, png_bytes
from urbanart.intake import calls, review
from urbanart.intake.uploads import IntakeFolders, owner_of

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


def create_with(
    session: requests.Session, served: Served, csrf: str, data: bytes, first: bytes, name: str
) -> requests.Response:
    """tus creation-with-upload: the creation request carries the upload's first chunk."""
    meta = "filename " + base64.b64encode(name.encode()).decode()
    headers = {
        "Upload-Length": str(len(data)),
        "Upload-Metadata": meta,
        "Content-Type": "application/offset+octet-stream",
    }
    return session.post(
        served.page + "/uploads", data=first, headers=tus(csrf, **headers), timeout=30
    )


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
    extensions = set(answer.headers["Tus-Extension"].split(","))
    assert extensions == {"creation", "creation-with-upload", "termination"}
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


def test_the_last_chunk_is_answered_before_the_guard_and_the_verdict_follows(
    served: Served,
) -> None:
    """The guard checks a complete upload while the page sends its next file: the last PATCH
    is answered once the bytes are on disk (the guard's first process takes far longer to start
    than the answer needs), and the verdict (GET on the upload) waits for the check."""
    data = noise_png((300, 300))
    session = requests.Session()
    csrf = open_form(session, served.page)
    path = create(session, served, csrf, data, "noise.png").headers["Location"]
    upload_id = path.rsplit("/", 1)[1]
    url = served.url + path
    answer = patch(session, url, csrf, 0, data)
    assert answer.status_code == 204 and int(answer.headers["Upload-Offset"]) == len(data)
    folder = served.library.home / "intake" / "uploads" / upload_id
    assert not (folder / "guarded.json").exists()  # not checked yet…
    assert upload_id in served.hub.hub.intake.checking  # …but being checked
    verdict = session.get(url, headers=tus(csrf), timeout=60)
    assert verdict.status_code == 200, verdict.text
    assert verdict.json() == {"accepted": "noise.png"}
    assert (folder / "guarded.json").exists()
    answer = hand_in(session, served.page, csrf, {}, **{"work-0-upload": upload_id})
    assert answer.status_code == 303, answer.text


def test_a_passed_upload_has_no_verdict_once_handed_in_or_terminated(served: Served) -> None:
    """The hub answers verdicts of uploads it checked from memory: an upload handed in (moved to
    works/) or terminated must not keep a pass there, or a second form naming it would be let
    through to a file that is gone."""
    session = requests.Session()
    csrf = open_form(session, served.page)
    data = png_bytes()
    urls = [served.url + create(session, served, csrf, data, "red.png").headers["Location"]]
    urls.append(served.url + create(session, served, csrf, data, "red.png").headers["Location"])
    for url in urls:
        assert patch(session, url, csrf, 0, data).status_code == 204
        assert session.get(url, headers=tus(csrf), timeout=60).status_code == 200
    kept, gone = (url.rsplit("/", 1)[1] for url in urls)
    assert session.delete(urls[1], headers=tus(csrf), timeout=10).status_code == 204
    assert session.get(urls[1], headers=tus(csrf), timeout=10).status_code == 404
    answer = hand_in(session, served.page, csrf, {}, **{"work-0-upload": kept})
    assert answer.status_code == 303, answer.text
    assert session.get(urls[0], headers=tus(csrf), timeout=10).status_code == 404
    again = hand_in(session, served.page, csrf, {}, **{"work-0-upload": kept})
    assert again.status_code == 422 and "the upload is gone" in again.text
    late = hand_in(session, served.page, csrf, {}, **{"work-0-upload": gone})
    assert late.status_code == 422 and "the upload is gone" in late.text
    assert len(review.list_submissions(served.library, served.call.id)) == 1


def test_a_refused_upload_gets_the_importers_reason_and_leaves_nothing(served: Served) -> None:
    session = requests.Session()
    csrf = open_form(session, served.page)
    path = create(session, served, csrf, EXECUTABLE, "photo.png").headers["Location"]
    url = served.url + path
    assert patch(session, url, csrf, 0, EXECUTABLE).status_code == 204
    verdict = session.get(url, headers=tus(csrf), timeout=60)
    assert verdict.status_code == 422
    reason = verdict.json()["detail"]
    assert reason.startswith("photo.png: not an image (the content is a Windows program)")
    assert served.uploads() == [] and served.intake_files() == []
    # A form naming it anyway (no page script) is refused with the same reason, next to the file.
    answer = hand_in(session, served.page, csrf, {}, **{"work-0-upload": path.rsplit("/", 1)[1]})
    assert answer.status_code == 422
    assert html.escape(reason) in answer.text
    assert 'name="work-0-upload"' not in answer.text  # the page does not name it again
    assert review.list_submissions(served.library, served.call.id) == []
    assert served.intake_files() == []


def test_the_form_waits_for_a_check_still_running(served: Served) -> None:
    """A form posted right after the last chunk (no verdict asked) waits for the guard."""
    session = requests.Session()
    csrf = open_form(session, served.page)
    path = create(session, served, csrf, EXECUTABLE, "photo.png").headers["Location"]
    assert patch(session, served.url + path, csrf, 0, EXECUTABLE).status_code == 204
    answer = hand_in(session, served.page, csrf, {}, **{"work-0-upload": path.rsplit("/", 1)[1]})
    assert answer.status_code == 422
    assert "photo.png: not an image" in html.unescape(answer.text)
    assert served.uploads() == [] and served.intake_files() == []


def test_a_verdict_is_only_for_a_complete_upload_of_the_same_page(served: Served) -> None:
    mine, theirs = requests.Session(), requests.Session()
    csrf = open_form(mine, served.page)
    other = open_form(theirs, served.page)
    data = png_bytes()
    url = served.url + create(mine, served, csrf, data, "red.png").headers["Location"]
    assert patch(mine, url, csrf, 0, data[:100]).status_code == 204
    assert mine.get(url, headers=tus(csrf), timeout=10).status_code == 404  # not complete
    assert patch(mine, url, csrf, 100, data[100:]).status_code == 204
    assert theirs.get(url, headers=tus(other), timeout=10).status_code == 404
    assert mine.get(url, headers=tus("y" * 32), timeout=10).status_code == 403  # CSRF
    assert mine.get(url, headers=tus(csrf), timeout=60).status_code == 200


def test_a_complete_upload_the_hub_never_checked_is_checked_when_asked(served: Served) -> None:
    """An upload completed before a restart (its check lost with the old process): the verdict
    runs the guard then, so the hand-in still goes through."""
    session = requests.Session()
    csrf = open_form(session, served.page)
    data = png_bytes()
    folders = IntakeFolders(served.library.home)
    owner = owner_of(session.cookies["ua_intake"])
    info = folders.new_upload(served.call.id, owner, len(data), "red.png")
    folders.data(info.id).write_bytes(data)
    url = f"{served.page}/uploads/{info.id}"
    verdict = session.get(url, headers=tus(csrf), timeout=60)
    assert verdict.status_code == 200, verdict.text
    answer = hand_in(session, served.page, csrf, {}, **{"work-0-upload": info.id})
    assert answer.status_code == 303, answer.text
    [record] = review.list_submissions(served.library, served.call.id)
    stored = served.library.home / "intake" / "works" / record.file_key / "red.png"
    assert stored.read_bytes() == data


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


def test_the_first_chunk_rides_in_the_creation_and_the_rest_follows(served: Served) -> None:
    """creation-with-upload: the creation's body is the upload's first bytes (its offset says
    so), PATCHes continue from there, and the file handed in is the one sent."""
    data = noise_png((700, 700))
    session = requests.Session()
    csrf = open_form(session, served.page)
    created = create_with(session, served, csrf, data, data[:CHUNK], "noise.png")
    assert created.status_code == 201, created.text
    assert int(created.headers["Upload-Offset"]) == CHUNK
    url = served.url + created.headers["Location"]
    assert offset_of(session, url, csrf) == CHUNK
    assert patch(session, url, csrf, 0, data).status_code == 409  # the offset is past 0
    offset = CHUNK
    while offset < len(data):
        answer = patch(session, url, csrf, offset, data[offset : offset + CHUNK])
        assert answer.status_code == 204, answer.text
        offset = int(answer.headers["Upload-Offset"])
    assert session.get(url, headers=tus(csrf), timeout=60).status_code == 200
    upload_id = url.rsplit("/", 1)[1]
    answer = hand_in(session, served.page, csrf, {}, **{"work-0-upload": upload_id})
    assert answer.status_code == 303, answer.text
    [record] = review.list_submissions(served.library, served.call.id)
    stored = served.library.home / "intake" / "works" / record.file_key / "noise.png"
    assert stored.read_bytes() == data


def test_a_whole_file_in_the_creation_is_checked_at_once(served: Served) -> None:
    """A file no larger than a chunk is one request: complete on creation, so the guard starts
    then (no PATCH ever comes), for a refused file as for a passed one."""
    session = requests.Session()
    csrf = open_form(session, served.page)
    data = png_bytes()
    created = create_with(session, served, csrf, data, data, "red.png")
    assert created.status_code == 201, created.text
    assert int(created.headers["Upload-Offset"]) == len(data)
    upload_id = created.headers["Location"].rsplit("/", 1)[1]
    assert upload_id in served.hub.hub.intake.checking
    verdict = session.get(served.url + created.headers["Location"], headers=tus(csrf), timeout=60)
    assert verdict.status_code == 200 and verdict.json() == {"accepted": "red.png"}
    bad = create_with(session, served, csrf, EXECUTABLE, EXECUTABLE, "photo.png")
    assert bad.status_code == 201, bad.text
    verdict = session.get(served.url + bad.headers["Location"], headers=tus(csrf), timeout=60)
    assert verdict.status_code == 422
    assert "photo.png: not an image" in verdict.json()["detail"]
    assert [p.name for p in served.uploads()] == [upload_id]  # the refused one left nothing


def test_a_creation_body_over_its_length_or_dropped_leaves_no_upload(served: Served) -> None:
    """The page never learns the address of a creation that failed, so nothing of it may stay:
    a body declared longer than the upload is refused before anything is made, and a dropped
    one takes its half-made upload with it."""
    session = requests.Session()
    csrf = open_form(session, served.page)
    data = png_bytes()
    answer = create_with(session, served, csrf, data, data + b"x", "red.png")
    assert answer.status_code == 413 and "at most the upload's length" in answer.text
    assert served.uploads() == []
    parts = urlsplit(served.url)
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    big = noise_png((500, 500))
    head = (
        f"POST {urlsplit(served.page).path}/uploads HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        f"Cookie: {cookie}\r\nTus-Resumable: 1.0.0\r\nX-CSRF-Token: {csrf}\r\n"
        f"Upload-Length: {len(big)}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(big)}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + big[: len(big) // 3])
        for _ in range(100):  # the upload exists while its body arrives…
            if served.uploads():
                break
            time.sleep(0.02)
        assert len(served.uploads()) == 1
    for _ in range(100):  # …and goes with the hang-up
        if not served.uploads():
            break
        time.sleep(0.05)
    assert served.uploads() == [] and served.intake_files() == []
