"""Pull mode: the hub fetches a live work's frame from the artist's URL every interval.

Why: some generators are a web server (a camera, a render farm's "latest.jpg") and cannot post.
Each fetch has (connect, read) timeouts, an overall deadline and a size cap read incrementally,
and its bytes go through the same pipeline as posted frames (accept_frame: guard, render, feed,
retention). A failed fetch counts as a refusal with its reason, as a refused post does. An
unchanged image (the server answers 304 to If-None-Match / If-Modified-Since) is no new frame.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from urllib3.exceptions import ReadTimeoutError

from urbanart.errors import NotFound
from urbanart.imaging.limits import MIB, ImportLimits
from urbanart.library.library import Library
from urbanart.library.models import LiveWork
from urbanart.live.frames import AcceptedFrame, accept_frame, record_refusal
from urbanart.live.layout import FrameRefused

log = logging.getLogger("urbanart.live")

#: (connect, read) seconds for one fetch; the whole fetch ends at FETCH_DEADLINE.
TIMEOUT = (5.0, 10.0)
FETCH_DEADLINE = 30.0
MAX_PULL_BYTES = 50 * MIB
#: How often the list of pull-mode works is read again (added, removed, URL changed).
REFRESH_S = 5.0
_CHUNK = 64 * 1024


@dataclass
class _Pulled:
    url: str
    interval_s: float
    due: float = 0.0
    etag: str | None = None
    modified: str | None = None


class Puller:
    """One background thread fetching every pull-mode live work when it is due."""

    def __init__(
        self,
        library: Library,
        key: Callable[[], Ed25519PrivateKey],
        limits: Callable[[], ImportLimits],
        *,
        max_bytes: int = MAX_PULL_BYTES,
        timeout: tuple[float, float] = TIMEOUT,
        deadline: float = FETCH_DEADLINE,
    ) -> None:
        self.library = library
        self.key = key
        self.limits = limits
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.deadline = deadline
        self.works: dict[int, _Pulled] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self._read_at = float("-inf")

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="live-pull", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout[0] + self.timeout[1] + 5)
        self._session.close()

    def refresh(self) -> None:
        """Read which works pull, from where, how often (keeping each one's schedule)."""
        self._read_at = time.monotonic()
        with self.library.session() as session:
            rows = session.execute(
                select(LiveWork.id, LiveWork.pull_url, LiveWork.interval_s).where(
                    LiveWork.pull_url.is_not(None)
                )
            ).all()
        fresh: dict[int, _Pulled] = {}
        for work_id, url, interval in rows:
            if url is None:
                continue
            known = self.works.get(work_id)
            if known is not None and known.url == url:
                known.interval_s = interval
                fresh[work_id] = known
            else:
                fresh[work_id] = _Pulled(url, interval)
        self.works = fresh

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if time.monotonic() - self._read_at >= REFRESH_S:
                    self.refresh()
                now = time.monotonic()
                for work_id, pulled in list(self.works.items()):
                    if self._stop.is_set():
                        return
                    if pulled.due <= now:
                        pulled.due = now + pulled.interval_s
                        self.pull(work_id)
            except Exception:  # one bad round must not end pulling for every work
                log.exception("pulling live frames failed")
            waits = [p.due - time.monotonic() for p in self.works.values()]
            self._stop.wait(max(0.05, min([REFRESH_S, *waits])))

    def fetch(self, work_id: int) -> bytes | None:
        """The image at the work's URL, or None when unchanged; FrameRefused with the reason
        when it cannot be fetched within the timeouts and the size cap."""
        pulled = self.works[work_id]
        headers = {}
        if pulled.etag:
            headers["If-None-Match"] = pulled.etag
        if pulled.modified:
            headers["If-Modified-Since"] = pulled.modified
        started = time.monotonic()
        where = pulled.url
        try:
            with self._session.get(
                where, headers=headers, timeout=self.timeout, stream=True, allow_redirects=False
            ) as response:
                if response.status_code == 304:
                    return None
                if response.status_code != 200:
                    raise FrameRefused(502, f"pull: {where} answered HTTP {response.status_code}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FrameRefused(
                        413, f"pull: {where} sends {declared} bytes, the limit is {self.max_bytes}"
                    )
                chunks: list[bytes] = []
                total = 0
                for chunk in response.iter_content(_CHUNK):
                    total += len(chunk)
                    if total > self.max_bytes:
                        raise FrameRefused(
                            413, f"pull: {where} sends more than {self.max_bytes} bytes"
                        )
                    if time.monotonic() - started > self.deadline:
                        raise FrameRefused(
                            504, f"pull: {where} took longer than {self.deadline:g} s"
                        )
                    chunks.append(chunk)
                pulled.etag = response.headers.get("ETag")
                pulled.modified = response.headers.get("Last-Modified")
                return b"".join(chunks)
        except requests.Timeout:
            raise FrameRefused(504, f"pull: {where} did not answer in time") from None
        except requests.RequestException as exc:
            if exc.args and isinstance(exc.args[0], ReadTimeoutError):  # met while streaming
                raise FrameRefused(504, f"pull: {where} did not answer in time") from None
            raise FrameRefused(
                502, f"pull: {where} cannot be reached ({type(exc).__name__})"
            ) from None

    def pull(self, work_id: int) -> AcceptedFrame | None:
        """Fetch once and feed the pipeline; a failure is counted on the work, never raised."""
        try:
            data = self.fetch(work_id)
        except FrameRefused as exc:
            self._refused(work_id, exc.reason)
            return None
        if data is None:
            return None
        try:
            return accept_frame(self.library, work_id, data, key=self.key(), limits=self.limits())
        except FrameRefused:  # counted by accept_frame
            return None
        except NotFound:  # removed meanwhile
            self.works.pop(work_id, None)
            return None

    def _refused(self, work_id: int, reason: str) -> None:
        try:
            record_refusal(self.library, work_id, reason)
        except Exception:
            log.exception("could not record a pull refusal")
