"""Polling a live work's feed: the newest verified frame for this screen, on disk, one per feed.

Why it works this way: a live work's frames come from an artist's generator through the hub, and
a city screen shows them unattended. So every feed document is checked against the key the
player pinned for its manifests (Ed25519, urbanart.protocol.live_feed.verify_feed) and must not
go back in sequence (a replayed old document cannot turn back what the square shows); the frame
is downloaded to a temporary file, checked against the document's sha256 and size, and only then
replaces the frame shown. Only the newest frame of each feed stays on disk (the artist may not
want frames kept). If-None-Match makes a poll with nothing new a tiny 304. When the network or
the generator goes quiet, the last good frame stays until the feed's silence_s has passed since
the hub accepted it; then the screen shows the work's still fallback (the item's `media`).

The last verified document is kept on disk and re-verified at start-up, so a restart neither
forgets the sequence (no way back) nor loses the frame it was showing.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from urbanart.durable import atomic_write
from urbanart.player.media_cache import fetch_verified
from urbanart.protocol.envelope import SignatureInvalid
from urbanart.protocol.live_feed import FEED_ID, frame_for, is_silent, verify_feed

log = logging.getLogger("urbanart.player")

CHUNK = 256 * 1024
#: A failed poll is retried no later than this (or the feed's poll period, if shorter).
RETRY_S = 5.0
#: A live item on screen polls its feed this many times per interval. Frames arrive about once
#: an interval but not on the screen's clock: a frame that stays newest a little less than one
#: interval (the next came early) falls between two polls one interval apart and is never shown.
#: Two polls per interval see every frame that stays newest at least half an interval.
POLLS_PER_INTERVAL = 2


def feed_ids_in(payload: Mapping[str, Any]) -> set[str]:
    """The feed ids of every live item a manifest payload can play."""
    found: set[str] = set()
    for playlist in payload.get("playlists", {}).values():
        for item in playlist.get("items", []):
            live = live_of(item)
            if live is not None:
                try:
                    found.add(feed_id_of(live))
                except ValueError:
                    continue
    return found


def live_of(item: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The item's `live` entry when it is a live item (manifest v3), else None."""
    if item is None or item.get("media_type") != "live":
        return None
    live = item.get("live")
    return live if isinstance(live, Mapping) else None


def feed_id_of(live: Mapping[str, Any]) -> str:
    """The feed id in a live entry's feed_url (/live/<feed id>/feed.json); ValueError if not."""
    parts = str(live.get("feed_url", "")).split("/")
    if len(parts) != 4 or parts[0] or parts[1] != "live" or parts[3] != "feed.json":
        raise ValueError(f"not a feed URL: {live.get('feed_url')!r}")
    if not FEED_ID.fullmatch(parts[2]):
        raise ValueError(f"not a feed id: {parts[2]!r}")
    return parts[2]


@dataclass(frozen=True)
class LiveFrame:
    """A verified frame on disk: its file, the feed's sequence, and the feed payload it came in."""

    path: Path
    sequence: int
    sha256: str
    payload: Mapping[str, Any]


@dataclass
class _Feed:
    etag: str | None = None
    sequence: int | None = None  # the highest sequence accepted (never goes down)
    payload: Mapping[str, Any] | None = None
    frame: LiveFrame | None = None
    next_poll: datetime | None = None


class FrameInvalid(SignatureInvalid):
    """A frame's bytes do not match the signed feed document (sha256 or size); discarded."""


class LiveFeeds:
    """Every live feed this screen plays, stored under one folder: <feed id>/feed.json (the last
    verified document) and <feed id>/<sha256>.jpg (the newest frame, alone)."""

    def __init__(
        self,
        root: Path,
        public_key: Callable[[], bytes],
        session: requests.Session,
        *,
        on_error: Callable[[str], None] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.public_key = public_key
        self.session = session
        self.timeout = timeout
        self.on_error = on_error or (lambda message: log.warning("%s", message))
        self._lock = threading.Lock()
        self._feeds: dict[str, _Feed] = {}

    # State --------------------------------------------------------------------------------

    def _feed(self, feed_id: str, profile: str) -> _Feed:
        """The feed's state, loaded (and verified again) from disk the first time."""
        with self._lock:
            feed = self._feeds.get(feed_id)
            if feed is None:
                feed = self._feeds[feed_id] = self._load(feed_id, profile)
            return feed

    def _load(self, feed_id: str, profile: str) -> _Feed:
        folder = self.root / feed_id
        try:
            document = (folder / "feed.json").read_bytes()
        except OSError:
            return _Feed()
        try:
            payload = verify_feed(document, self.public_key(), feed_id=feed_id)
        except SignatureInvalid as exc:
            self.on_error(f"saved live feed {feed_id} refused: {exc}")
            return _Feed()
        feed = _Feed(sequence=int(payload["sequence"]), payload=payload)
        frame = frame_for(payload, profile)
        if frame is not None:
            path = folder / f"{frame['sha256']}.jpg"
            if path.is_file() and _sha256(path) == frame["sha256"]:
                feed.frame = LiveFrame(path, int(payload["sequence"]), frame["sha256"], payload)
        return feed

    # Showing ------------------------------------------------------------------------------

    def shown(self, live: Mapping[str, Any], now: datetime) -> LiveFrame | None:
        """The frame to show now for this live entry, or None: show the still fallback (no
        frame yet, a silent feed, a frame older than silence_s, or its file gone)."""
        try:
            feed = self._feed(feed_id_of(live), str(live["profile"]))
        except (KeyError, ValueError):
            return None
        with self._lock:
            frame = feed.frame
        if frame is None or is_silent(frame.payload, now) or not frame.path.is_file():
            return None
        return frame

    def next_poll_at(self, live: Mapping[str, Any]) -> datetime | None:
        """When this feed is due (None: now, it was never polled)."""
        try:
            feed = self._feed(feed_id_of(live), str(live["profile"]))
        except (KeyError, ValueError):
            return None
        return feed.next_poll

    def due(self, live: Mapping[str, Any], now: datetime) -> bool:
        at = self.next_poll_at(live)
        return at is None or at <= now

    # Polling ------------------------------------------------------------------------------

    def poll(self, live: Mapping[str, Any], hub_url: str, now: datetime) -> str:
        """One conditional GET of the feed, and the frame when it is new. Returns "new",
        "not-modified", "refused" (a forged, altered or backwards document, or a frame that
        does not match it: nothing changes on screen) or "error" (network)."""
        try:
            feed_id = feed_id_of(live)
        except ValueError as exc:
            self.on_error(f"live item refused: {exc}")
            return "refused"
        profile = str(live["profile"])
        interval = max(0.5, float(live.get("interval_s", RETRY_S)))
        feed = self._feed(feed_id, profile)
        outcome = self._poll(feed, feed_id, profile, hub_url)
        every = interval / POLLS_PER_INTERVAL
        delay = every if outcome in ("new", "not-modified") else min(every, RETRY_S)
        with self._lock:
            feed.next_poll = now + timedelta(seconds=delay)
        return outcome

    def _poll(self, feed: _Feed, feed_id: str, profile: str, hub_url: str) -> str:
        headers = {"Accept": "application/json"}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        url = urljoin(hub_url, f"live/{feed_id}/feed.json")
        try:
            response = self.session.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            self.on_error(f"live feed {feed_id} poll failed: {type(exc).__name__}")
            return "error"
        if response.status_code == 304:
            return "not-modified"
        if response.status_code != 200:
            self.on_error(f"live feed {feed_id} poll answered HTTP {response.status_code}")
            return "error"
        document = response.content
        try:
            payload = verify_feed(
                document, self.public_key(), feed_id=feed_id, after_sequence=feed.sequence
            )
        except SignatureInvalid as exc:
            self.on_error(f"live feed {feed_id} refused: {exc}")
            return "refused"
        frame = frame_for(payload, profile)
        sequence = int(payload["sequence"])
        shown: LiveFrame | None = None
        if frame is not None:
            if feed.frame is not None and feed.frame.sha256 == frame["sha256"]:
                shown = LiveFrame(feed.frame.path, sequence, feed.frame.sha256, payload)
            else:
                try:
                    path = self._download(feed_id, frame, hub_url)
                except FrameInvalid as exc:
                    self.on_error(f"live frame {sequence} of feed {feed_id} refused: {exc}")
                    return "refused"
                except (requests.RequestException, OSError) as exc:
                    self.on_error(
                        f"live frame {sequence} of feed {feed_id} failed: {type(exc).__name__}"
                    )
                    return "error"
                shown = LiveFrame(path, sequence, str(frame["sha256"]), payload)
        elif payload.get("frames"):
            self.on_error(f"live feed {feed_id} has no frame for profile {profile!r}")
        atomic_write(self.root / feed_id / "feed.json", document)
        with self._lock:
            feed.etag = response.headers.get("ETag")
            feed.sequence = sequence
            feed.payload = payload
            if shown is not None or payload.get("frames"):
                feed.frame = shown
        self._prune(feed_id, shown)
        return "new"

    def _download(self, feed_id: str, frame: Mapping[str, Any], hub_url: str) -> Path:
        """The frame's bytes, checked against the document, renamed into place when whole."""
        folder = self.root / feed_id
        folder.mkdir(parents=True, exist_ok=True)
        sha = str(frame["sha256"])
        expected = int(frame["size"])
        url = urljoin(hub_url, str(frame["url"]).lstrip("/"))
        target = folder / f"{sha}.jpg"
        fetch_verified(
            self.session, url, target, sha, expected, folder, self.timeout,
            says="the feed", invalid=FrameInvalid,
        )  # fmt: skip
        return target

    def forget_all_but(self, feed_ids: set[str]) -> None:
        """Remove the feeds (state and frame) of live works no manifest held plays any more:
        nothing of an artist's frames stays on a screen that no longer shows the work."""
        with self._lock:
            for feed_id in set(self._feeds) - feed_ids:
                del self._feeds[feed_id]
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.name not in feed_ids:
                for path in folder.iterdir():
                    path.unlink(missing_ok=True)
                folder.rmdir()

    def _prune(self, feed_id: str, keep: LiveFrame | None) -> None:
        """Only the newest frame of a feed stays on disk."""
        for path in (self.root / feed_id).glob("*.jpg"):
            if keep is None or path != keep.path:
                path.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
