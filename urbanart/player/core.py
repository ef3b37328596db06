"""`Player`: one screen's playback engine — pairing, polling, media, the clock rule and reports.

Why it is built this way: a city screen runs unattended and must keep showing art whatever the
network does. So the last good manifest lives on disk (re-verified at start-up, so a restart
offline still plays), a new manifest only takes over once every file it needs is complete and
verified in the cache (never a black hole in the loop), what is on screen is a pure function of
the clock (timeline.what_plays), and every report waits on disk until the hub has taken it.
`tick` is cheap and never touches the network, so a GUI can call it from its own thread while
`poll_once` runs on a worker.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from urbanart import __version__
from urbanart.durable import atomic_write
from urbanart.errors import UrbanArtError
from urbanart.player import pairing as pairing_mod
from urbanart.player.clock import Clock, SystemClock
from urbanart.player.generative import (
    GenerativePiece,
    generative_of,
    generative_url,
    packages_needed,
    piece_query,
)
from urbanart.player.live_feed_client import LiveFeeds, feed_ids_in, live_of
from urbanart.player.manifest_client import (
    Fetched,
    ManifestClient,
    next_delay,
    refusal_reason,
    verify_following_key,
)
from urbanart.player.media_cache import MediaCache, MediaInvalid
from urbanart.player.package_cache import PackageCache
from urbanart.player.reports import ReportQueue, SendResult, iso
from urbanart.player.timeline import (
    Showing,
    media_needed,
    video_of,
    video_position_s,
    what_plays,
)
from urbanart.protocol.envelope import SignatureInvalid
from urbanart.protocol.freshness import ManifestStale, check_admissible, is_expired
from urbanart.protocol.hub_api import screen_api_paths

log = logging.getLogger("urbanart.player")

PLAYER_VERSION = f"urbanart-player/{__version__}"
DEFAULT_POLL = 60
MAX_ERRORS = 20
#: The run loop wakes at least this often, so a changed manifest shows within a second.
MAX_SLEEP = 1.0


class PlayerError(UrbanArtError):
    """The player cannot run (not paired, state folder unusable)."""


@dataclass(frozen=True)
class Manifest:
    """A verified manifest: the exact envelope bytes, its payload and the hub's ETag; new_key
    is the rotated signing key (PEM) that signed it, when the pinned key announced one."""

    envelope: bytes
    payload: Mapping[str, Any]
    etag: str | None
    new_key: bytes | None = None

    @property
    def version(self) -> str:
        return str(self.payload["manifest_version"])


@dataclass(frozen=True)
class Frame:
    """What the screen should show now: the showing plus verified file paths (None: don't).

    For a video item whose MP4 is cached and verified, video_path is that file and
    video_position_s where in it the screen is by the rule (docs/published-tree.md); a screen
    plays the video from there, and shows `path` (the still) whenever video_path is None.
    """

    showing: Showing
    path: Path | None
    previous_path: Path | None
    manifest_version: str | None
    video_path: Path | None = None  # the verified local MP4 of a video item (else show path)
    video_position_s: float | None = None  # where in the video the frame's instant falls
    #: a generative item's entry on the hub, with the screen and the slot's seed in its query
    #: (urbanart.player.generative); a screen that cannot run it shows `path`, the still
    generative_url: str | None = None
    #: A live item's newest verified frame for this screen's profile, while its feed is not
    #: silent (else None: show `path`, the work's still fallback), and that frame's sequence.
    live_path: Path | None = None
    live_sequence: int | None = None
    #: the same piece's files from this screen's package cache, each verified against the
    #: manifest, with its entry and query (what the Qt player runs); None when the package is not
    #: (or not intact) on disk: show `path`
    generative: GenerativePiece | None = None

    @property
    def item(self) -> Mapping[str, Any] | None:
        return self.showing.item if self.path is not None else None


@dataclass
class _OnScreen:
    key: tuple[Any, ...] | None
    showing: Showing
    path: Path | None
    since: datetime
    manifest_version: str | None
    video_path: Path | None = None
    generative: GenerativePiece | None = None
    #: The live frames (feed sequences) shown during this play, for its proof of play.
    frames: set[int] | None = None


@dataclass(frozen=True)
class PollResult:
    fetched: Fetched
    switched: bool
    reports: SendResult | None


class Player:
    """The engine of one screen, stored in one state folder (layout in the package docs)."""

    def __init__(
        self,
        state_dir: Path,
        *,
        clock: Clock | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.state = Path(state_dir)
        self.clock: Clock = clock or SystemClock()
        self.session = session or requests.Session()
        paired = pairing_mod.load(self.state)
        if paired is None:
            raise PlayerError(
                f"The player in {self.state} is not paired; run `urbanart player --hub URL "
                "--token TOKEN` first."
            )
        self.pairing = paired
        self.cache = MediaCache(self.state / "media")
        self.packages = PackageCache(self.state / "packages")
        self.reports = ReportQueue(self.state / "reports.sqlite")
        self.live = LiveFeeds(
            self.state / "live", lambda: self.pairing.public_key_pem, self.session,
            on_error=self.error,
        )  # fmt: skip
        self._lock = threading.RLock()
        self._errors: deque[str] = deque(maxlen=MAX_ERRORS)
        self._on_screen: _OnScreen | None = None
        self._poll_failures = 0
        #: The last manifest refused (reason, detail, at), reported in every heartbeat until a
        #: newer manifest is taken, so the studio sees it whatever the heartbeat timing.
        self.refused: dict[str, Any] | None = None
        self.next_poll_at: datetime = self.clock.now()
        self.current: Manifest | None = self._load_saved("current")
        self.pending: Manifest | None = self._load_saved("pending")
        current, pending = self.current, self.pending
        if pending is not None and current is not None and pending.version == current.version:
            self._drop_pending()
        self._adopt_new_key()

    # Manifests on disk ----------------------------------------------------------------------

    @property
    def _manifest_dir(self) -> Path:
        return self.state / "manifest"

    def _load_saved(self, name: str) -> Manifest | None:
        """A saved manifest, verified again: the state folder is not trusted more than the net."""
        path = self._manifest_dir / f"{name}.json"
        try:
            envelope = path.read_bytes()
        except OSError:
            return None
        try:
            payload, new_key = verify_following_key(envelope, self.pairing.public_key_pem)
        except UrbanArtError as exc:
            self.error(f"saved {name} manifest refused: {exc}")
            return None
        etag_file = self._manifest_dir / f"{name}.etag"
        etag = etag_file.read_text("ascii").strip() if etag_file.exists() else None
        return Manifest(envelope, payload, etag or None, new_key)

    def _save(self, name: str, manifest: Manifest) -> None:
        atomic_write(self._manifest_dir / f"{name}.json", manifest.envelope)
        atomic_write(self._manifest_dir / f"{name}.etag", (manifest.etag or "").encode("ascii"))

    def _drop_pending(self) -> None:
        self.pending = None
        for suffix in ("json", "etag"):
            (self._manifest_dir / f"pending.{suffix}").unlink(missing_ok=True)

    # Errors -------------------------------------------------------------------------------

    def error(self, message: str) -> None:
        """Log a problem and keep it for the next heartbeat (the curator sees it in status)."""
        log.warning("%s", message)
        with self._lock:
            self._errors.append(message[:500])

    def _take_errors(self) -> list[str]:
        with self._lock:
            errors = list(self._errors)
            self._errors.clear()
        return errors

    # Receiving manifests ------------------------------------------------------------------

    def _adopt_new_key(self) -> None:
        """Pin the rotated key that signed the playing manifest (the pinned key announced it).

        Called once that manifest is saved as current, so a crash in between leaves a state
        that verifies either way; at start-up too, to finish such an interrupted switch."""
        current = self.current
        if current is None or current.new_key is None:
            return
        self.pairing = pairing_mod.adopt_key(self.state, current.new_key)
        self.current = Manifest(current.envelope, current.payload, current.etag)
        log.info("now trusting the library's new signing key %s", self.pairing.key_id)

    def _held(self) -> Manifest | None:
        """The newest manifest kept: the pending one (waiting for media) else the playing one."""
        return self.pending or self.current

    def refuse(self, reason: str, detail: str, source: str) -> None:
        """Note a refused manifest (reason: a freshness.Reason value; source: polled or pushed)
        for the heartbeat; what plays does not change."""
        with self._lock:
            self.refused = {
                "reason": reason,
                "source": source,
                "detail": detail[:300],
                "at": iso(self.clock.now()),
            }
        self.error(f"{source} manifest refused ({reason}): {detail}")

    def offer(self, manifest: Manifest) -> None:
        """A verified manifest arrived (poll or push): it becomes pending until its media are
        all cached; the same content as what plays only refreshes the ETag.

        ManifestStale (nothing changes) when it is for another screen, not newer than what this
        player holds (rollback), or expired (freeze): protocol.freshness."""
        with self._lock:
            held = self._held()
            check_admissible(
                manifest.payload,
                token=self.pairing.token,
                held=held.payload if held is not None else None,
                now=self.clock.now(),
            )
            if held is None or manifest.version != held.version:
                self.refused = None  # a newer genuine manifest: the refusal is over
            if self.current is not None and manifest.version == self.current.version:
                if manifest.etag and manifest.etag != self.current.etag:
                    self.current = Manifest(self.current.envelope, self.current.payload,
                                            manifest.etag)  # fmt: skip
                    self._save("current", self.current)
                if self.pending is not None:
                    self._drop_pending()
                return
            if self.pending is not None and self.pending.version == manifest.version:
                return
            self.pending = manifest
            self._save("pending", manifest)
            log.info("new manifest %s: fetching its media", manifest.version[:12])

    def apply_envelope(self, envelope: bytes, etag: str | None = None) -> Manifest:
        """Verify an envelope (e.g. pushed) against the pinned key and offer it; a
        SignatureInvalid (ManifestRefused, ManifestStale) when it is not genuine or not
        admissible, and then nothing changes but the refusal noted for the heartbeat."""
        try:
            payload, new_key = verify_following_key(envelope, self.pairing.public_key_pem)
            manifest = Manifest(envelope, payload, etag, new_key)
            self.offer(manifest)
        except SignatureInvalid as exc:
            self.refuse(refusal_reason(exc), str(exc), "pushed")
            raise
        return manifest

    def sync_media(self) -> bool:
        """Download what the playing and the pending manifests miss (playing first: it may have
        lost a damaged file); switch to the pending manifest once it is complete. True when a
        switch happened."""
        with self._lock:
            current, pending = self.current, self.pending
        for manifest in (current, pending):
            if manifest is None:
                continue
            for media in self.cache.missing(media_needed(manifest.payload).values()):
                try:
                    self.cache.download(media, self.pairing.hub_url, self.session)
                except MediaInvalid as exc:
                    self.error(f"media refused: {exc}")
                except (requests.ConnectionError, requests.Timeout) as exc:
                    self.error(f"media download failed ({type(exc).__name__}): {media['url']}")
                    return False  # the hub is unreachable: try again at the next poll
                except (requests.RequestException, OSError) as exc:
                    self.error(f"media download failed ({type(exc).__name__}): {media['url']}")
        for manifest in (current, pending):
            if manifest is not None:
                self._sync_packages(manifest)
        with self._lock:
            if self.pending is None or self.pending is not pending:
                return False
            if self.cache.missing(media_needed(pending.payload).values()):
                return False
            self.current = pending
            self._save("current", pending)
            self._drop_pending()
            self._adopt_new_key()
            self.cache.evict(media_needed(pending.payload))
            self.packages.evict(packages_needed(pending.payload))
            self.live.forget_all_but(feed_ids_in(pending.payload))
        log.info("now playing manifest %s", pending.version[:12])
        return True

    def _sync_packages(self, manifest: Manifest) -> None:
        """Fetch the generative packages the manifest names, best effort: a package that does
        not arrive (or not intact) never holds a switch back, its work shows its still."""
        for package in packages_needed(manifest.payload):
            try:
                if self.packages.missing(package):
                    self.packages.download(package, self.pairing.hub_url, self.session)
            except MediaInvalid as exc:
                self.error(f"package refused: {exc}")
            except (requests.RequestException, OSError) as exc:
                self.error(f"package download failed ({type(exc).__name__}): {package['base_url']}")

    # Polling -------------------------------------------------------------------------------

    def client(self) -> ManifestClient:
        return ManifestClient(self.pairing.manifest_url, self.pairing.public_key_pem, self.session)

    def repoint(self, hub_url: str) -> None:
        """Follow the hub to a new address; the pinned key stays."""
        self.pairing = pairing_mod.pair(
            self.state, hub_url, self.pairing.token, public_key_pem=self.pairing.public_key_pem,
            session=self.session,
        )  # fmt: skip

    def poll_once(self) -> PollResult:
        """One poll: manifest (conditional), media, then a heartbeat and queued reports."""
        with self._lock:
            latest = self.pending or self.current
        fetched = self.client().fetch(latest.etag if latest else None)
        if fetched.status == "new" and fetched.envelope is not None:
            assert fetched.payload is not None
            manifest = Manifest(
                fetched.envelope, dict(fetched.payload), fetched.etag, fetched.new_key
            )
            try:
                self.offer(manifest)
            except ManifestStale as exc:
                self.refuse(exc.reason, str(exc), "polled")
        elif fetched.status == "refused":
            detail = (fetched.error or "").removeprefix("refused: ")
            self.refuse(fetched.reason or "bad-signature", detail, "polled")
        elif fetched.status == "error" and fetched.error:
            self.error(fetched.error)
        switched = self.sync_media()
        failed = fetched.status in ("error", "refused")
        self._poll_failures = 0 if not failed else self._poll_failures + 1
        interval = self._poll_interval()
        now = self.clock.now()
        self.next_poll_at = now + timedelta(seconds=next_delay(interval, self._poll_failures))
        self.queue_heartbeat(now)
        result = self.send_reports()
        return PollResult(fetched, switched, result)

    def _poll_interval(self) -> int:
        manifest = self.current or self.pending
        if manifest is None:
            return DEFAULT_POLL
        return int(manifest.payload["screen"]["poll_interval"])

    # Live feeds ----------------------------------------------------------------------------

    def poll_live(self, now: datetime | None = None) -> dict[str, str]:
        """Poll the feed of the live item on screen now (when its interval has passed), and of
        the next item when it is live and starts within a second, so it opens on a fresh
        frame. Returns the outcome by feed URL (LiveFeeds.poll); network work, not for the GUI."""
        now = self.clock.now() if now is None else now
        with self._lock:
            manifest = self.current
        if manifest is None:
            return {}
        showing = what_plays(manifest.payload, now)
        items = [showing.item]
        if showing.next_change is not None and showing.next_change - now <= timedelta(seconds=1):
            items.append(what_plays(manifest.payload, showing.next_change).item)
        outcomes: dict[str, str] = {}
        for item in items:
            live = live_of(item)
            if live is None or live["feed_url"] in outcomes or not self.live.due(live, now):
                continue
            outcomes[live["feed_url"]] = self.live.poll(live, self.pairing.hub_url, now)
        return outcomes

    def next_live_poll_at(self, now: datetime) -> datetime | None:
        """When the live item on screen is due for its next feed poll (None: not live)."""
        with self._lock:
            manifest = self.current
        if manifest is None:
            return None
        live = live_of(what_plays(manifest.payload, now).item)
        if live is None:
            return None
        return self.live.next_poll_at(live) or now

    # Reports -------------------------------------------------------------------------------

    def queue_heartbeat(self, now: datetime) -> None:
        with self._lock:
            shown = self._on_screen
            version = self.current.version if self.current else None
            refused = dict(self.refused) if self.refused is not None else None
            if self.current is not None and is_expired(self.current.payload, now):
                self._errors.append(
                    f"playing a manifest that expired at {self.current.payload['expires']}: "
                    "no newer one arrived (publish again, or the network serves an old one)"
                )
        playing = None
        if shown is not None and shown.path is not None and shown.showing.item is not None:
            item = shown.showing.item
            playing = {
                "artwork_sha256": item["media"]["sha256"],
                "title": str(item["title"])[:300],
                "playlist": (shown.showing.playlist_name or "")[:200] or None,
                "since": iso(shown.since),
            }
        self.reports.add_heartbeat(
            {
                "playing": playing,
                "manifest_version": version,
                "player_version": PLAYER_VERSION,
                "free_disk_bytes": self.cache.free_bytes(),
                "errors": self._take_errors(),
                "refused": refused,
                "queued_at": iso(now),
            }
        )

    def send_reports(self, *, force: bool = False) -> SendResult:
        manifest = self.current or self.pending
        token = self.pairing.token
        paths = manifest.payload["hub"] if manifest is not None else screen_api_paths(token)
        result = self.reports.send(self.pairing.hub_url, paths, self.session, force=force)
        if result.error:
            log.info("%s; %d play(s) wait on disk", result.error, result.plays_queued)
        return result

    # Playing -------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> Frame:
        """Advance playback to `now`: what to show, with verified files; closes finished plays
        into the report queue. Never touches the network."""
        now = self.clock.now() if now is None else now
        with self._lock:
            manifest = self.current
            if manifest is None:
                showing = Showing(now, None, -1, None, None, "nothing", None, None, None, None)
                self._close_play(now)
                return Frame(showing, None, None, None)
            showing = what_plays(manifest.payload, now)
            shown = self._on_screen
            if (
                shown is None
                or shown.key != showing.key
                or shown.manifest_version != manifest.version
            ):
                self._close_play(now)
                path = self._verified(showing.item)
                shown = _OnScreen(showing.key, showing, path, now, manifest.version)
                shown.video_path = self._verified_video(showing.item)
                shown.generative = self._verified_piece(manifest.payload, showing)
                self._on_screen = shown
                if path is not None and showing.item is not None:
                    log.info(
                        "playing %r (%s) until %s",
                        showing.item["title"], showing.playlist_name, showing.ends_at,
                    )  # fmt: skip
            elif shown.path is None and showing.item is not None:
                shown.path = self.cache.verified(showing.item["media"])  # re-downloaded since
                if shown.path is not None:
                    shown.since = now
            shown.showing = showing
            previous = None
            if showing.previous is not None and self.cache.has(showing.previous["media"]):
                previous = self.cache.path_for(showing.previous["media"])
            video_path = shown.video_path if shown.path is not None else None
            live_path, live_sequence = self._live_frame(shown, now)
            return Frame(
                showing,
                shown.path,
                previous,
                manifest.version,
                video_path,
                video_position_s(showing) if video_path is not None else None,
                generative_url(
                    self.pairing.hub_url,
                    manifest.payload["screen"],
                    showing.item,
                    showing.started_at,
                )
                if shown.path is not None
                else None,
                live_path,
                live_sequence,
                shown.generative if shown.path is not None else None,
            )

    def _live_frame(self, shown: _OnScreen, now: datetime) -> tuple[Path | None, int | None]:
        """The live item's frame to show now (counted for the play's frames_shown), or
        (None, None): not a live item, not shown, or its feed silent (show the still)."""
        live = live_of(shown.showing.item)
        if live is None or shown.path is None:
            return None, None
        frame = self.live.shown(live, now)
        if frame is None:
            return None, None
        if shown.frames is None:
            shown.frames = set()
        shown.frames.add(frame.sequence)
        return frame.path, frame.sequence

    def _verified_video(self, item: Mapping[str, Any] | None) -> Path | None:
        """The item's verified MP4, or None (a still item, or a missing or damaged video: the
        screen then shows the still, which every item has)."""
        video = video_of(item)
        if video is None or item is None:
            return None
        try:
            path = self.cache.verified(video)
        except MediaInvalid as exc:
            self.error(f"showing the still of {item['title']!r}: {exc}")
            return None
        if path is None:
            self.error(f"showing the still of {item['title']!r}: its video is missing or damaged")
        return path

    def _verified_piece(
        self, payload: Mapping[str, Any], showing: Showing
    ) -> GenerativePiece | None:
        """A generative item's package from the cache, every file verified now; None for any
        other item, or when the package is missing or altered (the screen shows the still)."""
        package = generative_of(showing.item)
        if package is None or showing.item is None or showing.started_at is None:
            return None
        files = self.packages.verified(package)
        if files is None:
            self.error(
                f"showing the still of {showing.item['title']!r}: its package is missing or damaged"
            )
            return None
        return GenerativePiece(
            str(package["entry"]), piece_query(payload["screen"], showing.started_at), files
        )

    def _verified(self, item: Mapping[str, Any] | None) -> Path | None:
        if item is None:
            return None
        path = self.cache.verified(item["media"])
        if path is None:
            self.error(f"not showing {item['title']!r}: its file is missing or damaged")
        return path

    def _close_play(self, now: datetime) -> None:
        """Queue a proof-of-play record for what was on screen (only if it really was shown)."""
        shown = self._on_screen
        self._on_screen = None
        if shown is None or shown.path is None or shown.showing.item is None:
            return
        end = now if shown.showing.ends_at is None else min(now, shown.showing.ends_at)
        seconds = (end - shown.since).total_seconds()
        if seconds <= 0:
            return
        self.reports.add_play(
            artwork_sha256=shown.showing.item["media"]["sha256"],
            playlist=shown.showing.playlist_name,
            started_at=shown.since,
            duration_s=seconds,
            manifest_version=shown.manifest_version,
            frames_shown=(
                len(shown.frames or ()) if live_of(shown.showing.item) is not None else None
            ),
        )

    def flush_play(self, now: datetime | None = None) -> None:
        """Close what is on screen now (shutting down), so its play is not lost."""
        with self._lock:
            self._close_play(self.clock.now() if now is None else now)

    # Running -------------------------------------------------------------------------------

    def run(
        self,
        stop: threading.Event,
        *,
        on_frame: Callable[[Frame], None] | None = None,
        poll: bool = True,
    ) -> None:
        """Tick and poll until stop is set, sleeping until the next change (at most a second)."""
        try:
            while not stop.is_set():
                now = self.clock.now()
                if poll and now >= self.next_poll_at:
                    try:
                        self.poll_once()
                    except Exception as exc:  # keep playing whatever the network code did
                        log.exception("poll failed")
                        self.error(f"poll failed: {type(exc).__name__}")
                        self.next_poll_at = now + timedelta(seconds=next_delay(DEFAULT_POLL, 1))
                    now = self.clock.now()
                live_at = None
                if poll:
                    try:
                        self.poll_live(now)
                    except Exception as exc:  # a feed must never stop the screen
                        log.exception("live feed poll failed")
                        self.error(f"live feed poll failed: {type(exc).__name__}")
                    now = self.clock.now()
                    live_at = self.next_live_poll_at(now)
                frame = self.tick(now)
                if on_frame is not None:
                    on_frame(frame)
                wake = now + timedelta(seconds=MAX_SLEEP)
                for at in (frame.showing.next_change, self.next_poll_at if poll else None, live_at):
                    if at is not None and at < wake:
                        wake = at
                self.clock.sleep(max(0.01, (wake - now).total_seconds()), stop)
        finally:
            self.flush_play()

    def close(self) -> None:
        self.flush_play()
        self.reports.close()
