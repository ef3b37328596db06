"""Open-call fixtures: a real library, a call, and the hub serving it on 127.0.0.1."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from PIL import Image

from urbanart.delivery.intake_routes import IntakeRates
from urbanart.delivery.rate_limit import Rate
from urbanart.delivery.server import HubThread
from urbanart.intake import calls
from urbanart.intake.calls import CallRecord
from urbanart.library.library import Library

HTML = '<script>alert("x")</script><b onmouseover=x>'
#: Generous buckets, so the tests of other behaviour never trip a rate limit by accident.
ROOMY = IntakeRates(*(Rate(burst=1000, per_second=100.0) for _ in range(4)))


def png_bytes(
    colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (320, 200)
) -> bytes:
    image = Image.new("RGB", size, colour)
    image.putpixel((0, 0), (colour[0] ^ 1, 7, 9))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def noise_png(size: tuple[int, int] = (900, 900), seed: int = 1) -> bytes:
    """A PNG of random pixels: incompressible, so a few MB for chunked uploads."""
    import random

    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


def bomb_png() -> bytes:
    """A few KB that decode to 40,000 × 40,000 pixels (1.6 gigapixels)."""
    image = Image.new("1", (40_000, 40_000), 0)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 4000 + b"PE\x00\x00"
)


@dataclass
class Served:
    library: Library
    url: str
    call: CallRecord
    hub: HubThread

    @property
    def page(self) -> str:
        return self.url + self.call.path

    def intake_files(self) -> list[Path]:
        root = self.library.home / "intake"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

    def uploads(self) -> list[Path]:
        root = self.library.home / "intake" / "uploads"
        return sorted(root.iterdir()) if root.exists() else []


def make_call(library: Library, **options: object) -> CallRecord:
    values: dict[str, object] = {
        "title": "Walls of 2027",
        "deadline": "2099-03-01T18:00",
        "timezone": "Europe/Berlin",
        "description": "Big walls, small screens.",
        "terms": "You keep your rights; we may show the work on our screens.",
        "max_files": 3,
        "max_bytes": 8 * 1024 * 1024,
        "licenses": ("CC-BY-4.0", "CC-BY-NC-4.0", "all-rights-reserved"),
    }
    values.update(options)
    return calls.create_call(library, **values)  # type: ignore[arg-type]


@pytest.fixture
def served(library: Library) -> Iterator[Served]:
    call = make_call(library)
    with HubThread(library, intake_rates=ROOMY) as hub:
        yield Served(library, hub.url.rstrip("/"), call, hub)


def open_form(session: requests.Session, url: str) -> str:
    """GET the hand-in page (sets the session cookie); returns the form's CSRF token."""
    answer = session.get(url, timeout=10)
    assert answer.status_code == 200, answer.text
    match = re.search(r'name="csrf" value="([^"]+)"', answer.text)
    assert match is not None
    return match[1]


def work_fields(index: int = 0, **values: str) -> dict[str, str]:
    base = {
        "title": "Red Harbour",
        "year": "2024",
        "description": "Harbour at dusk.",
        "alt": "A red harbour wall under a dark sky.",
        "license": "CC-BY-4.0",
        "ai": "digitalCreation",
    }
    base.update(values)
    return {f"work-{index}-{k}": v for k, v in base.items()}


def artist_fields(**values: str) -> dict[str, str]:
    base = {
        "name": "Ana Lima",
        "bio": "Paints walls in Lisbon.",
        "link": "https://ana.example.org",
        "email": "ana@example.org",
        "terms": "yes",
    }
    base.update(values)
    return base


def hand_in(
    session: requests.Session,
    url: str,
    csrf: str,
    files: dict[str, tuple[str, bytes]],
    **fields: str,
) -> requests.Response:
    """POST the form as a browser without JavaScript does (csrf first, then fields, files)."""
    data = {"csrf": csrf, **artist_fields(), **work_fields(), **fields}
    parts = {k: (name, data_, "application/octet-stream") for k, (name, data_) in files.items()}
    parts = parts or {"work-0-file": ("", b"", "application/octet-stream")}  # as browsers send
    return session.post(url, data=data, files=parts, allow_redirects=False, timeout=30)
