"""tus offsets are the data file's size: right after a hub restart, never past a refused chunk.

A PATCH opens its upload's data file once (O_APPEND) and writes what arrives with writev; these
tests hold that to the protocol: the offset a restarted hub reports, the bytes stored (hashed
against what was sent), and a chunk bigger than the upload's room refused with nothing of it kept.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.intake.conftest import ROOMY, hand_in, make_call, noise_png, open_form
from tests.intake.test_tus_uploads import create, offset_of, patch, tus
from urbanart.delivery.server import HubThread
from urbanart.intake import review
from urbanart.intake.pages import TUS_CHUNK_BYTES
from urbanart.intake.uploads import write_all
from urbanart.library.library import Library

CHUNK = 300_000


def test_a_restarted_hub_reports_the_offset_on_disk_and_the_upload_completes_intact(
    library: Library,
) -> None:
    call = make_call(library)
    data = noise_png((700, 700), seed=5)
    session = requests.Session()
    with HubThread(library, intake_rates=ROOMY) as first:
        page = first.url.rstrip("/") + call.path
        csrf = open_form(session, page)
        path = create(session, _Served(page), csrf, data, "walls.png").headers["Location"]
        for offset in range(0, 2 * CHUNK, CHUNK):
            answer = patch(
                session, first.url.rstrip("/") + path, csrf, offset, data[offset:][:CHUNK]
            )
            assert answer.status_code == 204, answer.text
    with HubThread(library, intake_rates=ROOMY) as second:  # a new process's state: nothing kept
        url = second.url.rstrip("/") + path
        page = second.url.rstrip("/") + call.path
        assert offset_of(session, url, csrf) == 2 * CHUNK
        assert patch(session, url, csrf, CHUNK, data[CHUNK:]).status_code == 409  # stale offset
        offset = 2 * CHUNK
        while offset < len(data):
            answer = patch(session, url, csrf, offset, data[offset:][:CHUNK])
            assert answer.status_code == 204, answer.text
            offset = int(answer.headers["Upload-Offset"])
        assert offset == len(data)
        verdict = session.get(url, headers=tus(csrf), timeout=60)
        assert verdict.status_code == 200, verdict.text
        answer = hand_in(session, page, csrf, {}, **{"work-0-upload": path.rsplit("/", 1)[1]})
        assert answer.status_code == 303, answer.text
    [record] = review.list_submissions(library, call.id)
    stored = library.home / "intake" / "works" / record.file_key / "walls.png"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_chunk_over_the_uploads_room_is_refused_and_nothing_of_it_kept(library: Library) -> None:
    """Declared (Content-Length) or not (chunked transfer): the offset stays where it was, the
    stored bytes are what was sent before, and the upload goes on from there."""
    call = make_call(library)
    data = noise_png((400, 400), seed=6)
    session = requests.Session()
    with HubThread(library, intake_rates=ROOMY) as hub:
        base = hub.url.rstrip("/")
        csrf = open_form(session, base + call.path)
        path = create(session, _Served(base + call.path), csrf, data, "x.png").headers["Location"]
        url = base + path
        assert patch(session, url, csrf, 0, data[:CHUNK]).status_code == 204
        too_much = data[CHUNK:] + b"\0" * 1000
        assert patch(session, url, csrf, CHUNK, too_much).status_code == 413
        streamed = patch(session, url, csrf, CHUNK, _pieces(too_much, 64 * 1024))
        assert streamed.status_code == 413, streamed.text
        assert offset_of(session, url, csrf) <= len(data)
        stored = _data_file(library, path).read_bytes()
        assert data.startswith(stored) and len(stored) >= CHUNK
        rest = patch(session, url, csrf, len(stored), data[len(stored) :])
        assert rest.status_code == 204, rest.text
        assert _data_file(library, path).read_bytes() == data


def test_the_page_sends_16_mib_chunks_and_the_hub_takes_one_in_a_patch(library: Library) -> None:
    call = make_call(library, max_bytes=2 * TUS_CHUNK_BYTES)
    session = requests.Session()
    body = os.urandom(TUS_CHUNK_BYTES)
    with HubThread(library, intake_rates=ROOMY) as hub:
        page = hub.url.rstrip("/") + call.path
        csrf = open_form(session, page)
        form = session.get(page, timeout=10).text
        assert f'data-chunk-bytes="{TUS_CHUNK_BYTES}"' in form
        data = body + body  # the declared length: room for two chunks
        path = create(session, _Served(page), csrf, data, "big.png").headers["Location"]
        answer = patch(session, hub.url.rstrip("/") + path, csrf, 0, body)
        assert answer.status_code == 204, answer.text
        assert int(answer.headers["Upload-Offset"]) == TUS_CHUNK_BYTES == 16 * 1024 * 1024
        assert _data_file(library, path).read_bytes() == body


def test_write_all_writes_more_pieces_than_one_writev_takes(tmp_path: Path) -> None:
    """A slow client's body arrives in many small pieces: more than the kernel's IOV_MAX (1024)
    in one batch still lands whole and in order."""
    pieces = [os.urandom(n % 97 + 1) for n in range(3000)]
    target = tmp_path / "data"
    target.write_bytes(b"head")
    fd = os.open(target, os.O_WRONLY | os.O_APPEND)
    assert write_all(fd, pieces, close=True) == sum(map(len, pieces))
    assert target.read_bytes() == b"head" + b"".join(pieces)


class _Served:
    """What create() needs of the served fixture: the call page's URL."""

    def __init__(self, page: str) -> None:
        self.page = page


def _pieces(data: bytes, size: int) -> Iterator[bytes]:
    """A body without Content-Length: requests sends it chunked."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _data_file(library: Library, path: str) -> Path:
    return library.home / "intake" / "uploads" / path.rsplit("/", 1)[1] / "data"
