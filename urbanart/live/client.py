"""The reference client of a live source: sign a frame, post it to the hub, say why it was
refused; and run a generator program, posting every image it writes.

Why here and in the engine: `urbanart live send` and `live run` use it, and an artist's own
generator can import it (or copy its 20 lines: an HMAC over "<timestamp>." + body).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from urbanart.errors import UrbanArtError
from urbanart.protocol.push_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_push

#: (connect, read) seconds: a frame is rendered before the hub answers.
TIMEOUT = (5.0, 30.0)
#: The folder a generator run by `live run` writes its frames into.
OUT_ENV = "URBANART_LIVE_OUT"
_IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp"})


class FrameNotSent(UrbanArtError):
    """The hub refused a frame (or could not be reached); the message is its reason."""

    def __init__(self, status: int | None, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class LiveSource:
    """Where and as whom a generator posts: the hub's base URL, the token and its secret."""

    hub: str
    token: str
    secret: str

    def url(self, kind: str) -> str:
        return f"{self.hub.rstrip('/')}/api/v1/live/{self.token}/{kind}"


def signed_headers(secret: str, body: bytes, content_type: str) -> dict[str, str]:
    stamp = int(time.time())
    return {
        "Content-Type": content_type,
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign_push(secret, stamp, body),
    }


def _post(
    source: LiveSource, kind: str, body: bytes, content_type: str, session: requests.Session | None
) -> dict[str, Any]:
    poster = session or requests
    try:
        response = poster.post(
            source.url(kind),
            data=body,
            headers=signed_headers(source.secret, body, content_type),
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise FrameNotSent(None, f"the hub at {source.hub} cannot be reached: {exc}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code >= 400:
        detail = answer.get("detail") or answer.get("error") or response.reason
        raise FrameNotSent(response.status_code, f"refused ({response.status_code}): {detail}")
    return answer if isinstance(answer, dict) else {}


def send_frame(
    source: LiveSource, data: bytes, *, session: requests.Session | None = None
) -> dict[str, Any]:
    """Post one frame; the hub's answer ({"sequence", "sha256", "frames"}) or FrameNotSent."""
    return _post(source, "frames", data, "application/octet-stream", session)


def keep_remote(source: LiveSource, sequence: int | None = None) -> int:
    """Ask the hub to keep a frame (the newest when None) as an artwork; its id."""
    body = json.dumps({"sequence": sequence}).encode()
    answer = _post(source, "keep", body, "application/json", None)
    return int(answer["artwork_id"])


def _ready(folder: Path, settle_s: float) -> list[Path]:
    """Image files the generator finished: hidden and temporary names are still being written,
    and a file changed in the last settle_s may be too (write elsewhere and rename to be fast)."""
    now = time.time()
    files = [
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in _IMAGE_SUFFIXES
        and not p.name.startswith((".", "~"))
        and now - p.stat().st_mtime >= settle_s
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def run_generator(
    source: LiveSource,
    command: Sequence[str],
    out: Path,
    *,
    poll_s: float = 0.1,
    on_frame: Callable[[Path, dict[str, Any]], None] | None = None,
    stop_on_refusal: bool = True,
) -> int:
    """Run command (its `{out}` arguments replaced by the folder, which is also in the
    URBANART_LIVE_OUT environment variable) and post each image it writes there, deleting the
    file after. Returns the command's exit code once it ended and its last frames were posted;
    FrameNotSent (after stopping the command) when the hub refuses a frame."""
    out.mkdir(parents=True, exist_ok=True)
    args = [a.replace("{out}", str(out)) for a in command]
    env = dict(os.environ, **{OUT_ENV: str(out)})
    process = subprocess.Popen(args, env=env)
    session = requests.Session()
    try:
        while True:
            ended = process.poll() is not None
            for path in _ready(out, 0.0 if ended else poll_s):
                data = path.read_bytes()
                try:
                    answer = send_frame(source, data, session=session)
                except FrameNotSent:
                    path.unlink(missing_ok=True)
                    if stop_on_refusal:
                        raise
                    continue
                path.unlink(missing_ok=True)
                if on_frame is not None:
                    on_frame(path, answer)
            if ended:
                return int(process.returncode)
            time.sleep(poll_s)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        session.close()
