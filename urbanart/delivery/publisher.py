"""`publish`: turn the library into the signed, static published tree, atomically and incrementally.

Everything is computed first (timelines, renditions, manifests) and compared with the tree being
served; only then is anything written: new media into the shared media folder, a new release
folder with unchanged files hard-linked from the previous one, and finally the `current` symlink
swapped by rename. Killed at any moment before the rename, the old tree stays whole and served.
When every file would be identical, no release is made at all.
"""

from __future__ import annotations

import json
import os
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from hashlib import sha256 as sha256_of
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, event, insert, select, update
from sqlalchemy.orm import joinedload, selectinload

from urbanart.curation import schedules
from urbanart.curation.resolver import Timeline, resolve_all
from urbanart.delivery import kept_payloads, playlist_facts, screen_inputs, tree_check
from urbanart.delivery import manifest as mf
from urbanart.delivery.captions import localize
from urbanart.delivery.changes import ChangeStatus, DroppedItem, PublicationStatus, ScreenChange
from urbanart.delivery.overlap_warnings import overlap_warnings
from urbanart.delivery.released_files import released_files
from urbanart.delivery.served_manifests import ServedManifests
from urbanart.delivery.signing import (
    SigningKey,
    check_pinned_key,
    current_announcement,
    key_path,
    signing_key,
)
from urbanart.delivery.tree import MEDIA, ReleaseIndex, Tree, safe_relpath
from urbanart.errors import StorageError, UrbanArtError
from urbanart.imaging.renditions import RenditionProfile
from urbanart.imaging.video.transcode import TranscodeCancelled
from urbanart.library import store as keys
from urbanart.library.library import Library, published_root
from urbanart.library.models import (
    Artwork,
    Playlist,
    PlaylistItem,
    Publication,
    PublishedManifest,
    Screen,
)
from urbanart.library.package_import import GENERATIVE, package_listing
from urbanart.library.renditions import RenditionRecord, ensure_rendition, made_renditions
from urbanart.library.settings import DEFAULT_LOOK_AHEAD_DAYS, load_settings
from urbanart.library.texts import screen_languages, texts_for
from urbanart.library.video_renditions import (
    ensure_video_rendition,
    screen_video_profile,
    video_file_facts,
)
from urbanart.library.vocabulary import ReviewStatus, disclosure, license_url
from urbanart.live.frames import render_newest
from urbanart.live.works import live_items, set_live_profiles
from urbanart.memo import collections_paused
from urbanart.player.web_files import web_player_files
from urbanart.protocol.live_feed import feed_path
from urbanart.protocol.tree_layout import PUBLIC_KEY_PATH, manifest_path, media_url
from urbanart.viewers import page_units
from urbanart.viewers.gone import GONE_RECORD
from urbanart.viewers.output_cache import OutputCache, close_idle, code_digest
from urbanart.viewers.output_cache import digest as output_digest
from urbanart.viewers.site import build_viewers, viewers_code

#: Up to this many screens to build, their resolver input is read for them alone.
BUILT_FEW = 400
#: Releases kept on disk: the one served and the one before it.
KEEP_RELEASES = 2
RENDITION_QUALITY = 85
#: Poll tokens name folders and URLs; anything else is refused rather than escaped.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: Test-only: makes the publishing process exit abruptly at a named stage (see _crash_point).
CRASH_ENV = "URBANART_TEST_CRASH_AT"
CRASH_STAGES = ("after-media", "mid-release", "before-swap", "after-swap")

Progress = Callable[[int, int, str], None]


class PublishCancelled(UrbanArtError):
    """The curator stopped a publish; the tree being served was left as it was."""


def _crash_point(stage: str) -> None:
    """Test-only crash hook: with URBANART_TEST_CRASH_AT=<stage> the process dies here at once,
    as a SIGKILL or a power cut would stop it (no cleanup, no finally blocks). Never set it in
    production; tests use it to prove the served tree survives a crash at every stage."""
    if os.environ.get(CRASH_ENV) == stage:
        os._exit(137)


# Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishResult:
    publication_id: int | None
    dry_run: bool
    changed: bool
    release: Path | None  # the folder now served (None before any publish, or in a dry run)
    window_from: datetime
    window_until: datetime
    screens: tuple[ScreenChange, ...]
    media_written: int = 0
    media_removed: int = 0
    media_waiting: int = 0
    files_linked: int = 0
    files_written: int = 0
    warnings: tuple[str, ...] = field(default=())
    #: Pages, QR codes and manifests taken from the publish cache, and those made anew.
    outputs_reused: int = 0
    outputs_made: int = 0
    #: Viewer files carried over from the served release, their inputs unchanged (not built).
    outputs_carried: int = 0

    @property
    def totals(self) -> dict[str, int]:
        counts = {str(s): 0 for s in ChangeStatus}
        for change in self.screens:
            counts[change.status] += 1
        counts["dropped_items"] = sum(len(c.dropped) for c in self.screens)
        return counts

    @property
    def message(self) -> str:
        """One line for the curator."""
        t = self.totals
        if not self.changed:
            head = "Nothing changed" + (" (dry run)" if self.dry_run else "")
        else:
            verb = "Would publish" if self.dry_run else "Published"
            head = (
                f"{verb}: {t['new']} new, {t['changed']} changed, {t['unchanged']} unchanged, "
                f"{t['removed']} removed screen(s)"
            )
        if t["dropped_items"]:
            head += f"; {t['dropped_items']} item(s) left out (not approved or no media)"
        return head + "."

    def to_json(self) -> dict[str, Any]:
        return {
            "publication_id": self.publication_id,
            "dry_run": self.dry_run,
            "changed": self.changed,
            "message": self.message,
            "release": str(self.release) if self.release else None,
            "window": {"from": mf.iso_z(self.window_from), "until": mf.iso_z(self.window_until)},
            "totals": self.totals,
            "media": {
                "written": self.media_written,
                "removed": self.media_removed,
                "waiting_grace": self.media_waiting,
            },
            "files": {"linked": self.files_linked, "written": self.files_written},
            "outputs": {
                "reused": self.outputs_reused,
                "made": self.outputs_made,
                "carried": self.outputs_carried,
            },
            "screens": [s.to_json() for s in self.screens],
            "warnings": list(self.warnings),
        }


# Gathering -------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """Everything a publish would write, computed without writing anything."""

    files: dict[str, bytes]
    media: dict[str, tuple[str, str]]  # tree path -> (store key, sha256 of the bytes)
    payloads: dict[int, dict[str, Any]]  # screen id -> payload
    tokens: dict[int, str]
    names: dict[int, str]
    dropped: dict[int, list[DroppedItem]]
    warnings: dict[int, list[str]]
    global_warnings: list[str]
    #: live work id -> the screen profile keys its items are published for
    live_profiles: dict[int, set[str]] = field(default_factory=dict)
    #: Files carried over from the served release unchanged: tree path -> sha256 (page_units).
    carried: dict[str, str] = field(default_factory=dict)
    #: The viewer units' input digests, recorded in the new release's index.
    page_inputs: dict[str, str] = field(default_factory=dict)
    #: Per screen, what the next publish needs to carry it unresolved (screen_inputs.py), and
    #: the playlist groups those records name.
    screen_records: dict[int, screen_inputs.ScreenRecord] = field(default_factory=dict)
    groups: dict[str, screen_inputs.Group] = field(default_factory=dict)
    #: The digest of every screen's key and the pages' code; when it is the served release's
    #: and every screen is carried, the viewer files are carried too, unbuilt.
    viewers_key: str = ""
    viewers_carried: bool = False
    viewer_media: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Screens' manifests carried over (the rest of `carried` are viewer files).
    manifests_carried: int = 0
    #: The sha256 of each file built, once asked (_file_sha).
    file_shas: dict[str, str] = field(default_factory=dict)

    @property
    def viewer_files_carried(self) -> int:
        return len(self.carried) - self.manifests_carried

    def index_extra(self) -> dict[str, object]:
        """The release index's record of screens' and viewer units' inputs."""
        return {
            page_units.INDEX_KEY: self.page_inputs,
            screen_inputs.INDEX_KEY: {
                str(sid): record.to_json() for sid, record in sorted(self.screen_records.items())
            },
            screen_inputs.GROUPS_KEY: {
                name: group.to_json() for name, group in sorted(self.groups.items())
            },
            screen_inputs.VIEWERS_KEY: self.viewers_key,
            screen_inputs.VIEWER_MEDIA_KEY: {
                path: list(found) for path, found in sorted(self.viewer_media.items())
            },
        }


def window_for(now: datetime, look_ahead_days: int) -> tuple[datetime, datetime]:
    """[start of today (UTC), that + look-ahead + 1 day): at least the look-ahead is covered
    from the moment of publication, and the same day always gives the same window."""
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=look_ahead_days + 1)


@lru_cache(maxsize=256)
def screen_profile(width: int, height: int) -> RenditionProfile:
    """The rendition a screen gets: its exact pixel size, letterboxed; animations become WebP."""
    return RenditionProfile(width, height, "contain", format="JPEG", quality=RENDITION_QUALITY)


#: A playlist's facts are made once per (playlist id, screen profile key, screen video
#: settings, screen languages).
_FactsKey = tuple[int, str, tuple[int | None, bool], tuple[str, str]]


class _Packages:
    """The generative packages one publish needs, each listing read from the store once."""

    def __init__(self) -> None:
        self._known: dict[str, mf.GenerativeFacts | None] = {}

    def get(self, library: Library, sha256: str) -> mf.GenerativeFacts | None:
        """The package's facts; None when its listing is gone (the work then shows its still)."""
        if sha256 not in self._known:
            try:
                listing = package_listing(library, sha256)
            except (UrbanArtError, FileNotFoundError, ValueError, KeyError):
                self._known[sha256] = None
            else:
                facts = mf.GenerativeFacts(listing.sha256, listing.size, listing.files)
                self._known[sha256] = facts
        return self._known[sha256]


@dataclass
class _Videos:
    """Video renditions made during one publish, per (content hash, profile key): each work is
    transcoded once per screen size however many screens and playlists show it. A string is the
    reason the work has no video for that size (it stays on its still)."""

    made: dict[tuple[str, str], mf.VideoFacts | str] = field(default_factory=dict)
    _store_keys: dict[str, str] = field(default_factory=dict)  # file sha256 -> media store key

    def get(
        self,
        library: Library,
        sha256: str,
        screen: Screen,
        note: Callable[[float], None] | None,
        cancel: threading.Event | None,
    ) -> tuple[mf.VideoFacts | None, str | None]:
        """(the video, None) or (None, why it stays a still)."""
        width, height = screen.width, screen.height
        try:
            profile = screen_video_profile(width, height, screen.video_max_mb, screen.video_sound)
        except UrbanArtError as exc:  # an odd screen size: H.264 4:2:0 needs even sides
            return None, f"the screen's size {width}×{height} cannot take a video ({exc})"
        key = (sha256, profile.key())
        if key not in self.made:
            try:
                made = ensure_video_rendition(
                    library, sha256, profile, progress=note, cancel=cancel
                )
                facts = video_file_facts(library, made.video)
            except TranscodeCancelled:
                raise PublishCancelled(
                    "Publishing was cancelled; the published tree is unchanged."
                ) from None
            except UrbanArtError as exc:  # the work's own fault: it stays on its still
                self.made[key] = str(exc)
            else:
                self.made[key] = mf.VideoFacts(
                    url=media_url(made.video.file_sha256, "mp4"),
                    sha256=made.video.file_sha256,
                    size=made.video.byte_size,
                    width=made.video.width,
                    height=made.video.height,
                    duration_s=facts.duration_s,
                    fps=facts.fps,
                    has_audio=facts.has_audio,
                )
                self._store_keys[made.video.file_sha256] = made.video.store_key
        found = self.made[key]
        return (None, found) if isinstance(found, str) else (found, None)

    def store_key(self, file_sha256: str) -> str:
        return self._store_keys[file_sha256]


def _load_playlists(library: Library, ids: set[int]) -> dict[int, Playlist]:
    """The playlists with their items, and each item's work with its artist and media, in two
    queries: the works, artists and media are one row each per item, joined to the items'
    rows (a query of their own each cost a change, which loads one playlist, twice as much)."""
    if not ids:
        return {}
    with library.session() as session:
        return {p.id: p for p in session.scalars(_PLAYLISTS_LOADED, {"ids": sorted(ids)})}


#: The statement _load_playlists runs, made once: building its loader options each time cost
#: a change as much as running it.
_PLAYLISTS_LOADED = (
    select(Playlist)
    .where(Playlist.id.in_(bindparam("ids", expanding=True)))
    .options(
        selectinload(Playlist.items).options(
            joinedload(PlaylistItem.artwork).options(
                joinedload(Artwork.artist), joinedload(Artwork.asset)
            )
        )
    )
)


def _sequences(library: Library, old: ServedManifests) -> dict[int, tuple[str | None, int]]:
    """Per screen: the version last given and the highest sequence it ever had, from the
    database and the tree being served (whichever is higher: a database restored from a backup
    must not make screens refuse every new manifest as a rollback). A served file whose ETag
    the database records is the one the database describes, so it is not read."""
    etags: dict[int, str] = {}
    with library.session() as session:
        known: dict[int, tuple[str | None, int]] = {}
        for screen_id, version, sequence, etag in session.execute(
            select(
                PublishedManifest.screen_id,
                PublishedManifest.version,
                PublishedManifest.sequence,
                PublishedManifest.etag,
            )
        ):
            known[screen_id] = (version, sequence)
            etags[screen_id] = etag
    for screen_id in old:
        if screen_id in etags and etags[screen_id] == old.etag(screen_id):
            continue
        payload = old.get(screen_id)
        if payload is None:
            continue
        served = payload.get("sequence")
        sequence = known.get(screen_id, (None, 0))[1]
        if isinstance(served, int) and served > sequence:
            known[screen_id] = (payload.get("manifest_version"), served)
    return known


def _number(numbered: mf.NumberedText, last: tuple[str | None, int] | None) -> dict[str, Any]:
    """Keep the screen's sequence when the manifest is the one it was last given, else the next
    one: equal content, equal bytes; new content always outranks what screens hold."""
    payload = numbered.payload
    if last is None:
        return _numbered(numbered, 1)
    version, sequence = last
    if sequence >= 1:
        _numbered(numbered, sequence)
        if payload["manifest_version"] == version:
            return payload
    return _numbered(numbered, sequence + 1)


def _first_sequence(last: tuple[str | None, int] | None) -> int:
    """The sequence _number tries first, so a manifest built with it is versioned once less
    (a version is the sha256 of the whole canonical payload, the costliest step of a build)."""
    return last[1] if last is not None and last[1] >= 1 else 1


def _numbered(numbered: mf.NumberedText, sequence: int) -> dict[str, Any]:
    """The payload at that sequence: versioned again only when its sequence is another."""
    payload = numbered.payload
    return payload if payload["sequence"] == sequence else numbered.renumber(sequence)


def _plan(
    library: Library,
    key: SigningKey,
    start: datetime,
    until: datetime,
    progress: Progress | None,
    cancel: threading.Event | None,
    *,
    old: ServedManifests | None = None,
    now: datetime | None = None,
    tree: Tree | None = None,
    previous: ReleaseIndex | None = None,
    outputs: OutputCache | None = None,
    carry: bool = True,
    look_up: bool = False,  # a publish that builds a release if a screen is built: see below
) -> _Plan:
    # Checked before anything else too: a publish whose screens are all carried never reaches
    # the per-screen checks below, and a cancel must stop it all the same.
    if cancel is not None and cancel.is_set():
        raise PublishCancelled("Publishing was cancelled; the published tree is unchanged.")
    settings = load_settings(library)
    sequences = _sequences(library, old) if old is not None else {}
    announcement = current_announcement(library.home, key, now or datetime.now(UTC))
    every_screen = screen_inputs.screen_rows(library)
    common = _manifest_inputs(key, settings.public_base_url, announcement, start, until)
    kept = kept_payloads.KeptPayloads(outputs) if outputs is not None else None
    plan = _Plan(
        files={PUBLIC_KEY_PATH: key.public_pem, **web_player_files()},
        media={},
        payloads={},
        tokens={},
        names={},
        dropped={},
        warnings={},
        global_warnings=[],
    )
    # Screens whose inputs are those the served release recorded are carried, unresolved.
    rows_digests: dict[int, str] = {}  # playlist id -> the digest of the rows of its facts
    screen_keys = screen_inputs.screen_keys(
        library,
        every_screen,
        screen_inputs.common_inputs(library, common),
        playlists_out=rows_digests,
    )
    plan.viewers_key = output_digest("viewers", viewers_code(), sorted(screen_keys.items()))
    carried_ids = (
        _carry_screens(plan, every_screen, screen_keys, previous, old, sequences, kept)
        if carry and previous is not None and kept is not None
        else set()
    )
    screens = [s for s in every_screen if s.id not in carried_ids]
    if look_up and screens and tree is not None and previous is not None:
        # A screen is built: the release changes, and its damage check (_missing_carried) is
        # due after the rest of the plan. Never asked for an unchanged re-publish, which needs
        # no answer and whose CPU the worker's would compete with.
        tree.look_up_soon(previous)
    # The resolver's input for the screens built: a few, or (a first publish) every one.
    with library.session() as session:
        inputs = schedules.rules_for_screens(
            session, [s.id for s in screens] if len(screens) <= BUILT_FEW else None
        )
    built_inputs = {s.id: inputs[s.id] for s in screens if s.id in inputs}
    # Manifests carry only who wins, so segments split only where the winner changes.
    timelines: dict[int, Timeline] = resolve_all(built_inputs, start, until, losers=False)
    # Each timeline's playlists, read once (the property reads the timeline's table each time).
    plays = {sid: timeline.playlist_ids for sid, timeline in timelines.items()}
    # A playlist's facts for one screen profile and languages are the same on every screen of
    # that profile and languages: made once, with the digest that stands for them in the
    # screens' input digests, and the notes on videos that could not be made for that size.
    # Those an earlier publish of this process made from the same rows are taken as made
    # (playlist_facts); only the playlists with facts still to make are loaded.
    made: dict[
        _FactsKey, tuple[mf.PlaylistFacts, list[DroppedItem], str, list[str], screen_inputs.Group]
    ] = {}
    wanted = _remembered_facts(library, screens, plays, rows_digests, made)
    playlists = _load_playlists(library, wanted)
    texts = texts_for(library, {i.artwork_id for p in playlists.values() for i in p.items})
    spoken = screen_languages(library, [s.id for s in screens])  # named in v3 manifests
    overlaps = overlap_warnings(library, built_inputs, start.date(), outputs) if screens else {}
    live = live_items(library) if screens else {}

    renditions: dict[tuple[str, str], RenditionRecord | str] = {}
    videos = _Videos()
    packages = _Packages()
    if screens:
        renditions.update(made_renditions(library, _wanted_renditions(screens, plays, playlists)))
    #: The facts made here from the rows of their digest, to keep once that digest is read again.
    to_keep: dict[_FactsKey, int] = {}
    #: Per screen: what its manifest is made from, and its input digest (made in a second pass,
    #: once the cache has fetched every screen's kept manifest in a few queries).
    pending: list[
        tuple[mf.ScreenFacts, Timeline, dict[int, mf.PlaylistFacts], str, str, tuple[str, ...]]
    ] = []
    for number, screen in enumerate(screens, start=1):
        if cancel is not None and cancel.is_set():
            raise PublishCancelled("Publishing was cancelled; the published tree is unchanged.")
        if progress is not None:
            progress(number - 1, len(screens), screen.name)
        if not TOKEN_PATTERN.fullmatch(screen.poll_token or ""):
            plan.global_warnings.append(
                f"Screen {screen.name!r} was left out: its poll token is not URL-safe; give it "
                f"a new one with `urbanart screens edit {screen.id} --new-poll-token`."
            )
            continue
        profile = screen_profile(screen.width, screen.height)
        timeline = timelines[screen.id]
        facts_keys = {key[0]: key for key in _facts_keys(screen, plays)}  # by playlist id
        facts: dict[int, mf.PlaylistFacts] = {}
        dropped: list[DroppedItem] = []
        warnings_here: list[str] = []
        for pid, facts_key in facts_keys.items():
            _pid, profile_key, _video_settings, languages = facts_key
            known = made.get(facts_key)
            if known is not None:
                facts[pid] = known[0]
                dropped.extend(known[1])
                warnings_here.extend(known[3])
                continue
            playlist = playlists.get(pid)
            if playlist is None:
                continue
            group = screen_inputs.Group()
            dropped_before = len(dropped)
            warned_before = len(warnings_here)
            items: list[mf.ItemFacts] = []
            for item in sorted(playlist.items, key=lambda i: (i.position, i.id)):
                artwork = item.artwork
                if artwork.status != ReviewStatus.APPROVED:
                    reason = f"not approved (status: {artwork.status})"
                    dropped.append(
                        DroppedItem(pid, playlist.name, item.id, artwork.id, artwork.title, reason)
                    )
                    continue
                asset = artwork.asset
                cache_key = (asset.sha256, profile_key)
                if cache_key not in renditions:
                    try:
                        renditions[cache_key] = ensure_rendition(library, asset.sha256, profile)
                    except UrbanArtError as exc:  # the work's own fault: leave it out
                        renditions[cache_key] = f"no rendition could be made ({exc})"
                    # An OSError (disk full, I/O error) is not the work's: it fails the publish.
                rendition = renditions[cache_key]
                if isinstance(rendition, str):
                    dropped.append(
                        DroppedItem(
                            pid, playlist.name, item.id, artwork.id, artwork.title, rendition
                        )
                    )
                    continue
                extension = rendition.store_key.rsplit(".", 1)[-1]
                url = media_url(rendition.file_sha256, extension)
                group.media[url.lstrip("/")] = (rendition.store_key, rendition.file_sha256)
                video: mf.VideoFacts | None = None
                if asset.kind == "video":
                    video, why_not = videos.get(
                        library,
                        asset.sha256,
                        screen,
                        _transcode_note(progress, number - 1, len(screens), screen.name, artwork),
                        cancel,
                    )
                    if video is None:
                        warnings_here.append(
                            f"{artwork.title!r} shows its still on {screen.name!r}: its video "
                            f"could not be made for this screen ({why_not})."
                        )
                    else:
                        store_key = videos.store_key(video.sha256)
                        group.media[video.url.lstrip("/")] = (store_key, video.sha256)
                generative = None
                if asset.kind == GENERATIVE:
                    generative = packages.get(library, asset.sha256)
                    if generative is None:
                        warnings_here.append(
                            f"{artwork.title!r} shows its still on {screen.name!r}: its "
                            "package's file list is missing from the media store."
                        )
                    else:
                        for path, file_sha, _size in generative.files:
                            tree_path = f"{generative.base_url}{path}".lstrip("/")
                            group.media[tree_path] = (keys.package_file_key(file_sha), file_sha)
                live_facts = None
                if (live_item := live.get(artwork.id)) is not None:
                    live_facts = mf.LiveFacts(
                        feed_path(live_item.feed_id),
                        profile.key(),
                        live_item.interval_s,
                        live_item.silence_s,
                    )
                    group.live.add((live_item.live_work_id, profile.key()))
                items.append(
                    mf.ItemFacts(
                        item_id=item.id,
                        artwork_id=artwork.id,
                        title=artwork.title,
                        artist=artwork.artist.name,
                        year=artwork.year,
                        license=artwork.license,
                        license_url=license_url(artwork.license),
                        ai_involvement=artwork.ai_involvement,
                        ai_disclosure=disclosure(artwork.ai_involvement),
                        alt_text=artwork.alt_text,
                        duration_s=item.duration_s,
                        transition=item.transition,
                        transition_s=item.transition_s,
                        overlay=item.overlay,
                        media=mf.MediaFacts(
                            url=url,
                            sha256=rendition.file_sha256,
                            size=rendition.byte_size,
                            width=rendition.width,
                            height=rendition.height,
                            format=rendition.format,
                            animated=asset.kind != "video" and asset.frame_count > 1,
                        ),
                        video=video,
                        generative=generative,
                        live=live_facts,
                    )
                )
            items = [localize(i, texts.get(i.artwork_id, {}), languages) for i in items]
            facts[pid] = mf.PlaylistFacts(pid, playlist.name, tuple(items))
            made[facts_key] = (
                facts[pid],
                dropped[dropped_before:],
                output_digest("playlist", facts[pid]),
                warnings_here[warned_before:],
                group,
            )
            clean = len(dropped) == dropped_before and len(warnings_here) == warned_before
            if clean and pid in rows_digests:
                to_keep[facts_key] = pid
        groups = tuple(made[facts_keys[pid]][2] for pid in sorted(facts))
        for pid in sorted(facts):
            made_for = made[facts_keys[pid]]
            group = made_for[4]
            plan.groups[made_for[2]] = group
            plan.media.update(group.media)
            for live_work_id, live_profile in group.live:
                plan.live_profiles.setdefault(live_work_id, set()).add(live_profile)
        warnings = [
            f"Playlist {f.name!r} has nothing approved to show."
            for f in facts.values()
            if not f.items
        ]
        warnings.extend(dict.fromkeys(warnings_here))  # once per work, in playlist order
        warnings.extend(overlaps.get(screen.id, ()))
        screen_facts = mf.ScreenFacts(
            id=screen.id,
            name=screen.name,
            timezone=screen.timezone,
            width=screen.width,
            height=screen.height,
            poll_interval=screen.poll_interval,
            poll_token=screen.poll_token,
            default_playlist_id=screen.default_playlist_id,
            languages=spoken.get(screen.id, mf.ENGLISH_ONLY),
        )
        relpath = manifest_path(screen.poll_token)
        safe_relpath(relpath)
        inputs_key = output_digest(
            "manifest",
            common,
            screen_facts,
            timeline.version,
            groups,
        )
        plan.tokens[screen.id] = screen.poll_token
        plan.names[screen.id] = screen.name
        plan.dropped[screen.id] = dropped
        plan.warnings[screen.id] = warnings
        pending.append((screen_facts, timeline, facts, relpath, inputs_key, groups))
    if outputs is not None:  # a few queries for what a thousand single reads would fetch
        made_keys = [k for *_, k, _g in pending]
        outputs.prefetch([*made_keys, *map(kept_payloads.skeleton_key, made_keys)])
    for screen_facts, timeline, facts, relpath, inputs_key, groups in pending:
        if cancel is not None and cancel.is_set():
            raise PublishCancelled("Publishing was cancelled; the published tree is unchanged.")
        last = sequences.get(screen_facts.id)
        reused = _reuse_manifest(outputs, kept, inputs_key, last)
        if reused is not None:  # the same inputs as a publish before: the same signed bytes
            plan.files[relpath], payload = reused
        else:
            numbered = mf.build_numbered(
                screen_facts,
                timeline,
                facts,
                public_base_url=settings.public_base_url,
                sequence=_first_sequence(last),
                key_announcement=announcement,
            )
            payload = _number(numbered, last)
            envelope = key.sign_envelope(numbered.text())
            plan.files[relpath] = envelope.encode("utf-8")
            if outputs is not None:
                # Kept by reference: the release holds its bytes (OutputCache.put).
                outputs.put(inputs_key, plan.files[relpath], released_as=relpath)
                kept_payloads.keep(outputs, inputs_key, payload)
        plan.payloads[screen_facts.id] = payload
        plan.screen_records[screen_facts.id] = screen_inputs.ScreenRecord(
            key=screen_keys[screen_facts.id],
            inputs_key=inputs_key,
            version=str(payload["manifest_version"]),
            sequence=int(payload["sequence"]),
            expires=str(payload["expires"]),
            dropped=tuple(plan.dropped[screen_facts.id]),
            warnings=tuple(plan.warnings[screen_facts.id]),
            groups=groups,
        )
    _keep_facts(library, to_keep, rows_digests, made)
    if progress is not None:
        progress(len(screens), len(screens), "")
    if plan.viewers_carried and previous is not None:
        # Every file the served release holds that is neither a manifest nor a fixed file is
        # a viewer file, made from exactly these inputs: carried by its sha256.
        fixed = set(plan.files) | set(plan.carried)
        plan.carried.update({p: sha for p, sha in previous.files.items() if p not in fixed})
        plan.page_inputs.update(_previous_inputs(previous))
        plan.viewer_media = screen_inputs.media_of(previous.extra)
        plan.media.update(plan.viewer_media)
        return plan
    viewers = build_viewers(
        library,
        plan.payloads,
        base_url=settings.public_base_url,
        previous_files=previous.files if previous is not None else {},
        previous_gone=_previous_gone(tree, previous),
        previous_inputs=_previous_inputs(previous) if carry else None,
        outputs=outputs,
        unchanged=carried_ids,  # their inputs are the served ones (site.build_viewers)
        screens=every_screen,  # their cities and languages, read once
        settings=settings,  # read once
        carried_into=plan.carried,  # unchanged units' files, named by sha256
    )
    plan.files.update(viewers.files)  # pages, QR codes, CSS: docs/published-tree.md
    plan.page_inputs.update(viewers.inputs)
    plan.media.update(viewers.media)  # the pages' images, content-addressed like screens' media
    plan.viewer_media = dict(viewers.media)
    return plan


def _carry_screens(
    plan: _Plan,
    screens: list[Any],
    screen_keys: dict[int, str],
    previous: ReleaseIndex,
    old: ServedManifests | None,
    sequences: dict[int, tuple[str | None, int]],
    kept: kept_payloads.KeptPayloads,
) -> set[int]:
    """Put into the plan every screen the served release recorded with the same input key (its
    manifest carried by sha256, its payload from the publish cache, its notes and media from
    the record); returns their ids. A screen is built instead when anything it needs is
    missing: the record, the served file, its playlist groups, the kept payload, or when the
    database gave it another manifest since (its sequence must then move on)."""
    # The records of the served release `old` was made from (read once per publish).
    records = old.records if old is not None else screen_inputs.previous_records(previous.extra)
    groups = screen_inputs.previous_groups(previous.extra)
    due = {
        s.id: records[s.id]
        for s in screens
        if s.id in records and records[s.id].key == screen_keys.get(s.id)
    }
    ready: list[tuple[Any, screen_inputs.ScreenRecord, str, str]] = []
    for screen in screens:
        record = due.get(screen.id)
        if record is None:
            continue
        relpath = manifest_path(screen.poll_token)
        sha = previous.files.get(relpath)
        if sha is None or sequences.get(screen.id) != (record.version, record.sequence):
            continue
        if any(name not in groups for name in record.groups):
            continue
        ready.append((screen, record, relpath, sha))
    # Every screen carried, none gone, the same code for pages: the pages are the served ones,
    # so the payloads they would be made from need not be read (a stub serves the rest).
    plan.viewers_carried = (
        len(ready) == len(screens)
        and set(records) == {s.id for s in screens}
        and previous.extra.get(screen_inputs.VIEWERS_KEY) == plan.viewers_key
        and isinstance(previous.extra.get(screen_inputs.VIEWER_MEDIA_KEY), dict)
        and bool(_previous_inputs(previous))
    )
    if not plan.viewers_carried:
        kept.prefetch(r.inputs_key for _s, r, *_ in ready)
    carried: set[int] = set()
    for screen, record, relpath, sha in ready:
        payload: dict[str, Any] | None
        if plan.viewers_carried:
            payload = {
                "manifest_version": record.version,
                "sequence": record.sequence,
                "expires": record.expires,
            }
        else:
            payload = kept.get(record.inputs_key)
            if payload is None or payload.get("manifest_version") != record.version:
                continue
        found = [groups[name] for name in record.groups]
        plan.carried[relpath] = sha
        plan.payloads[screen.id] = payload
        plan.tokens[screen.id] = screen.poll_token
        plan.names[screen.id] = screen.name
        plan.dropped[screen.id] = list(record.dropped)
        plan.warnings[screen.id] = list(record.warnings)
        plan.screen_records[screen.id] = record
        for name, group in zip(record.groups, found, strict=True):
            plan.groups[name] = group
            plan.media.update(group.media)
            for live_work_id, live_profile in group.live:
                plan.live_profiles.setdefault(live_work_id, set()).add(live_profile)
        carried.add(screen.id)
    plan.manifests_carried = len(carried)
    return carried


def _facts_keys(screen: Any, plays: dict[int, frozenset[int]]) -> list[_FactsKey]:
    """The facts a screen's manifest is made from: its playlists' for its profile and
    languages, by playlist id (the same keys when remembered as when made, _plan)."""
    used = set(plays.get(screen.id, ()))
    if screen.default_playlist_id is not None:
        used.add(screen.default_playlist_id)
    profile_key = screen_profile(screen.width, screen.height).key()
    video_settings = (screen.video_max_mb, screen.video_sound)
    languages = (screen.language, screen.second_language or screen.language)
    return [(pid, profile_key, video_settings, languages) for pid in sorted(used)]


def _remembered_facts(
    library: Library,
    screens: list[Any],
    plays: dict[int, frozenset[int]],
    rows_digests: dict[int, str],
    made: dict[_FactsKey, Any],
) -> set[int]:
    """Put into `made` the facts an earlier publish of this process made from the same rows
    (playlist_facts); returns the ids of the playlists with facts still to make."""
    wanted: set[int] = set()
    in_store: dict[str, bool] = {}  # store key -> whether the store has it (asked once)
    for screen in screens:
        for key in _facts_keys(screen, plays):
            pid, profile_key, video_settings, languages = key
            if key in made:
                continue
            rows = rows_digests.get(pid)
            found = None
            if rows is not None:
                found = playlist_facts.remembered(
                    library, (rows, profile_key, video_settings, languages), in_store
                )
            if found is None:
                wanted.add(pid)
            else:
                made[key] = (found.facts, [], found.digest, [], found.group)
    return wanted


def _keep_facts(
    library: Library,
    to_keep: dict[_FactsKey, int],
    rows_digests: dict[int, str],
    made: dict[_FactsKey, Any],
) -> None:
    """Keep the facts made in this publish with nothing left out and no warning, under their
    rows' digest read again now: one that changed while the publish ran keeps nothing."""
    if not to_keep:
        return
    again = screen_inputs.playlist_digests(library, set(to_keep.values()))
    for key, pid in to_keep.items():
        rows = rows_digests[pid]
        if again.get(pid) != rows:
            continue
        facts, _dropped, digest, _warnings, group = made[key]
        _pid, profile_key, video_settings, languages = key
        playlist_facts.remember(
            library,
            (rows, profile_key, video_settings, languages),
            playlist_facts.MadeFacts(facts, digest, group),
        )


def _transcode_note(
    progress: Progress | None, done: int, total: int, screen: str, artwork: Artwork
) -> Callable[[float], None] | None:
    """Progress of a long transcode, shown as the screen's step ("Preparing Berlin: video
    'Tide' 40%"), so a publish that transcodes for minutes never looks stuck."""
    if progress is None:
        return None
    title = artwork.title

    def note(fraction: float) -> None:
        progress(done, total, f"{screen}: video {title!r} {fraction:.0%}")

    return note


def _wanted_renditions(
    screens: list[Screen], plays: dict[int, frozenset[int]], playlists: dict[int, Playlist]
) -> set[tuple[str, str]]:
    """(asset sha256, profile key) of every rendition the screens' playlists show."""
    assets: dict[int, set[str]] = {
        pid: {item.artwork.asset.sha256 for item in playlist.items}
        for pid, playlist in playlists.items()
    }
    wanted: set[tuple[str, str]] = set()
    for screen in screens:
        key = screen_profile(screen.width, screen.height).key()
        used = set(plays.get(screen.id, ()))
        used.add(screen.default_playlist_id or 0)
        for pid in used:
            wanted.update((sha, key) for sha in assets.get(pid, ()))
    return wanted


def _manifest_inputs(
    key: SigningKey,
    base_url: str,
    announcement: dict[str, Any] | None,
    start: datetime,
    until: datetime,
) -> str:
    """The digest of what every screen's manifest shares: the code that makes and signs it,
    the signing key, the public address, the key announcement and the window."""
    code = (
        code_digest("urbanart.delivery", "manifest.py", "publisher.py", "signing.py"),
        code_digest("urbanart.protocol", "canonical.py", "manifest_format.py", "envelope.py"),
        code_digest("urbanart.viewers", "qr.py"),  # the items' signed QR matrices
    )
    return output_digest(
        "manifests",
        code,
        key.public_pem,
        base_url,
        sorted((announcement or {}).items()),
        start.isoformat(),
        until.isoformat(),
    )


def _reuse_manifest(
    outputs: OutputCache | None,
    kept: kept_payloads.KeptPayloads | None,
    inputs_key: str,
    last: tuple[str | None, int] | None,
) -> tuple[bytes, dict[str, Any]] | None:
    """The signed manifest an earlier publish made from the same inputs, and its payload. None
    when no publish made it (or the cache lost it), or when its sequence is not the one _number
    would give it now (the screen was given another manifest since: the same content must then
    outrank that one)."""
    if outputs is None or kept is None:
        return None
    data = outputs.get(inputs_key)
    if data is None:
        return None
    payload = kept.get(inputs_key)
    if payload is None:
        return None
    numbered = (payload.get("manifest_version"), payload.get("sequence"))
    if numbered != (last if last is not None else (numbered[0], 1)):
        return None
    return data, payload


def _recorded(extra: dict[str, object]) -> dict[str, object]:
    """The part of a release index's extra that _Plan.index_extra writes."""
    names = (
        page_units.INDEX_KEY,
        screen_inputs.INDEX_KEY,
        screen_inputs.GROUPS_KEY,
        screen_inputs.VIEWERS_KEY,
        screen_inputs.VIEWER_MEDIA_KEY,
    )
    return {name: extra.get(name) for name in names}


def _previous_inputs(index: ReleaseIndex | None) -> Mapping[str, str]:
    """The served release's viewer units' input digests (empty before the first publish or
    for a release made before they were recorded). The index's own mapping when it holds
    only strings, as the index writes it (only read: a copy of thousands of units' digests
    cost every change), else a converted copy."""
    found = index.extra.get(page_units.INDEX_KEY) if index is not None else None
    if not isinstance(found, dict):
        return {}
    if screen_inputs.all_text(found) and screen_inputs.all_text(found.values()):
        return found
    return {str(k): str(v) for k, v in found.items()}


def _missing_carried(tree: Tree, plan: _Plan, previous: ReleaseIndex | None) -> bool:
    """True when a file the plan carries over is gone from the served release's folder (a
    damaged tree): the release must then be built from bytes, not links. Answered by the
    worker _plan asked once a screen was certain to be built (Tree.look_up_soon), if it
    answers first: the served release's ~10,000 files of a fleet are then looked up beside
    the planning, not after it."""
    if not plan.carried:
        return False
    if previous is None:
        return True
    return tree.missing(previous, plan.carried)


def _previous_gone(tree: Tree | None, index: ReleaseIndex | None) -> bytes | None:
    """The served release's record of retired pages (None before the first publish)."""
    if tree is None or index is None or GONE_RECORD not in index.files:
        return None
    try:
        return tree.release_file(index.release, GONE_RECORD).read_bytes()
    except OSError:
        return None


def _old_payloads(
    library: Library, tree: Tree, index: ReleaseIndex | None, outputs: OutputCache
) -> ServedManifests:
    """The payloads the served release gives each screen (by screen id), read when asked: a
    recorded screen's from the publish cache, the others' from their files."""
    if index is None:
        return ServedManifests(tree, None, {})
    with library.session() as session:
        tokens = {
            token: sid for sid, token in session.execute(select(Screen.id, Screen.poll_token))
        }
    records = screen_inputs.previous_records(index.extra)
    kept = kept_payloads.KeptPayloads(outputs)
    return ServedManifests(tree, index, tokens, records=records, kept=kept)


def _changes(plan: _Plan, old: ServedManifests) -> list[ScreenChange]:
    changes: list[ScreenChange] = []
    for screen_id, payload in plan.payloads.items():
        relpath = manifest_path(plan.tokens[screen_id])
        if old.path(screen_id) == relpath and old.sha256(screen_id) == _manifest_sha(plan, relpath):
            # The very bytes being served: nothing to read or compare.
            changes.append(
                ScreenChange(
                    screen_id=screen_id,
                    screen=plan.names[screen_id],
                    status=ChangeStatus.UNCHANGED,
                    old_version=payload["manifest_version"],
                    new_version=payload["manifest_version"],
                    items_added=0,
                    items_removed=0,
                    dropped=tuple(plan.dropped[screen_id]),
                    warnings=tuple(plan.warnings[screen_id]),
                )
            )
            continue
        before = old.get(screen_id)
        new_items = mf.item_ids(payload)
        old_items = mf.item_ids(before) if before else set()
        old_version = before.get("manifest_version") if before else None
        if before is None:
            status = ChangeStatus.NEW
        elif old_version != payload["manifest_version"]:
            status = ChangeStatus.CHANGED
        else:
            status = ChangeStatus.UNCHANGED
        changes.append(
            ScreenChange(
                screen_id=screen_id,
                screen=plan.names[screen_id],
                status=status,
                old_version=old_version,
                new_version=payload["manifest_version"],
                items_added=len(new_items - old_items),
                items_removed=len(old_items - new_items),
                dropped=tuple(plan.dropped[screen_id]),
                warnings=tuple(plan.warnings[screen_id]),
            )
        )
    for screen_id in old:
        before = old.get(screen_id) if screen_id not in plan.payloads else None
        if before is not None:
            changes.append(
                ScreenChange(
                    screen_id=screen_id,
                    screen=str(before.get("screen", {}).get("name", screen_id)),
                    status=ChangeStatus.REMOVED,
                    old_version=before.get("manifest_version"),
                    new_version=None,
                    items_added=0,
                    items_removed=len(mf.item_ids(before)),
                )
            )
    return changes


# Publishing ------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return sha256_of(data).hexdigest()


def _file_sha(plan: _Plan, relpath: str) -> str:
    """The sha256 of a file the plan built, hashed once: the changes, the publish cache's
    references, the release index and the database record all ask."""
    found = plan.file_shas.get(relpath)
    if found is None:
        found = plan.file_shas[relpath] = _sha256(plan.files[relpath])
    return found


def _manifest_sha(plan: _Plan, relpath: str) -> str:
    """The sha256 of a manifest the plan carries over or built."""
    carried = plan.carried.get(relpath)
    return carried if carried is not None else _file_sha(plan, relpath)


def _digests(plan: _Plan) -> dict[str, str]:
    """The sha256 of every file the plan built, by tree path."""
    return {path: _file_sha(plan, path) for path in plan.files}


def _copy_media(library: Library, tree: Tree, media: dict[str, tuple[str, str]]) -> int:
    """Copy each rendition the new manifests use into published/media once, checking its hash:
    a name promises its content, so a corrupt store file must not be published under it."""
    written = 0
    for relpath, (store_key, digest) in sorted(media.items()):
        if (tree.root / relpath).is_file():
            continue
        data = library.store.get(store_key)
        actual = sha256_of(data).hexdigest()
        if actual != digest:
            raise UrbanArtError(
                f"The rendition {store_key} does not match its recorded checksum; delete it "
                "from the library's media folder and publish again to derive it anew."
            )
        if tree.put_media(relpath, data):
            written += 1
    return written


def _interrupted(library: Library, own_id: int) -> None:
    """Publications still "running" under our lock were cut short (killed, power loss)."""
    with library.session() as session:
        for row in session.scalars(
            select(Publication).where(
                Publication.status == PublicationStatus.RUNNING, Publication.id != own_id
            )
        ):
            row.status = PublicationStatus.FAILED
            row.finished_at = row.finished_at or datetime.now(UTC)
            row.summary = json.dumps({"error": "interrupted before it finished"})


#: Screens' manifest rows rewritten by primary key ("screen"), the columns set being those
#: each row's parameters name (_record_manifests).
_MANIFESTS: Table = PublishedManifest.__table__  # type: ignore[assignment]
_UPDATE_MANIFEST = update(_MANIFESTS).where(_MANIFESTS.c.screen_id == bindparam("screen"))


def _record_manifests(library: Library, plan: _Plan, publication_id: int, when: datetime) -> None:
    """Record each screen's new manifest (version, ETag, sequence, expiry) where it differs from
    the row kept for it. Why the rows are written by primary key, in one statement for the
    changed and one for the new: loading each row as an object to change it (a query, then
    the session's bookkeeping and a flush) cost a change more than writing the few rows."""
    with library.session() as session:
        recorded = {
            sid: (version, etag)
            for sid, version, etag in session.execute(
                select(
                    PublishedManifest.screen_id, PublishedManifest.version, PublishedManifest.etag
                )
            )
        }
        live = set(session.scalars(select(Screen.id)))
        changed: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        # Each screen's numbering is read from its record (made from its payload, or naming
        # the payload carried): a change's carried payloads are the kept ones, a thousand
        # dicts scattered in memory whose reading here cost it more than the noop's stubs.
        for screen_id, record in plan.screen_records.items():
            if screen_id not in live:
                continue
            # The strong ETag is the quoted first 32 hex characters of the sha256 (etag_for).
            etag = '"' + _manifest_sha(plan, manifest_path(plan.tokens[screen_id]))[:32] + '"'
            if recorded.get(screen_id) == (record.version, etag):
                continue
            row: dict[str, Any] = {
                "version": record.version,
                "etag": etag,
                "sequence": record.sequence,
                "expires_at": datetime.fromisoformat(record.expires.replace("Z", "+00:00")),
                "published_at": when,
                "publication_id": publication_id,
            }
            if screen_id in recorded:
                changed.append({"screen": screen_id, **row})
            else:
                new.append({"screen_id": screen_id, **row})
        if changed:  # a Core executemany: the ORM's bulk update by primary key cost more
            session.connection().execute(_UPDATE_MANIFEST, changed)
        if new:
            session.execute(insert(PublishedManifest), new)


def _finish(
    library: Library, publication_id: int, status: PublicationStatus, summary: dict[str, Any]
) -> None:
    with library.session() as session:
        row = session.get(Publication, publication_id)
        if row is not None:
            row.status = status
            row.finished_at = datetime.now(UTC)
            row.summary = json.dumps(summary, ensure_ascii=False, default=str)


@collections_paused()
def publish(
    library: Library,
    *,
    dry_run: bool = False,
    look_ahead_days: int | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> PublishResult:
    """Publish every screen's manifest and media; see the module docstring for the guarantees.

    dry_run computes everything (renditions missing from the library's cache are derived and
    cached, as a preview would) but writes nothing to the published tree or the delivery log.
    `now` drives the window and the media grace period (tests move time with it).
    look_ahead_days defaults to the library's look_ahead_days setting; media no kept manifest
    uses stays published for the media_grace_days setting.

    Only a work's own fault (not approved, undecodable, no original) leaves its items out; a
    disk or I/O error (no space left, EIO, EACCES) fails the whole publish with StorageError,
    naming the file, and the served tree stays as it was: a full disk must never publish a
    release with the works it could not write left out.
    """
    settings = load_settings(library)
    if look_ahead_days is None:
        look_ahead_days = settings.look_ahead_days
    if look_ahead_days < 1 or look_ahead_days > 366:
        raise UrbanArtError("The look-ahead must be between 1 and 366 days.")
    grace = timedelta(days=settings.media_grace_days)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start, until = window_for(now, look_ahead_days)
    tree = Tree(published_root(library))
    try:
        if dry_run and not key_path(library.home).exists():
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            key = SigningKey(Ed25519PrivateKey.generate(), key_path(library.home))
        else:
            key = signing_key(library.home)
            check_pinned_key(library, key, now)
        _closes_cache_with(library)
        released = released_files(tree)
        with OutputCache.in_home(library.home, released=released, kept_open=True) as outputs:
            return _publish(
                library, tree, key, dry_run, start, until, now, grace, progress, cancel, outputs
            )
    except OSError as exc:
        raise StorageError(exc) from exc
    finally:
        tree.remove_trash_later()
        tree.make_spares_later()


def _closes_cache_with(library: Library) -> None:
    """What a publish leaves for later ends with the library (Library.close disposes its
    engine): the publish cache's connection, left open for the next publish of the process
    (OutputCache kept_open), is closed, so a library closed holds no file of its home open;
    and the tree's background work (stale trees' removal, spares) is waited for, so none is
    still writing in a library's folder once it is closed (and perhaps deleted)."""
    _PUBLISHED_ROOTS[library.engine] = published_root(library)
    if not event.contains(library.engine, "engine_disposed", _library_closed):
        event.listen(library.engine, "engine_disposed", _library_closed)


#: The published tree of each library a publish of this process saw, by its engine.
_PUBLISHED_ROOTS: weakref.WeakKeyDictionary[object, Path] = weakref.WeakKeyDictionary()


def _library_closed(engine: object) -> None:
    close_idle()
    root = _PUBLISHED_ROOTS.get(engine)
    if root is not None:
        Tree(root).settle()


def _publish(
    library: Library,
    tree: Tree,
    key: SigningKey,
    dry_run: bool,
    start: datetime,
    until: datetime,
    now: datetime,
    grace: timedelta,
    progress: Progress | None,
    cancel: threading.Event | None,
    outputs: OutputCache,
) -> PublishResult:
    if dry_run:
        current = tree.index(tree.current_release())
        old = _old_payloads(library, tree, current, outputs)
        plan = _plan(
            library, key, start, until, progress, cancel,
            old=old, now=now, tree=tree, previous=current, outputs=outputs,
        )  # fmt: skip
        outputs.flush(by_reference=False)  # no release holds its pages: the publish reads them
        changes = _changes(plan, old)
        changed = current is None or any(c.status is not ChangeStatus.UNCHANGED for c in changes)
        new_media = sum(1 for rel in plan.media if not (tree.root / rel).is_file())
        return PublishResult(
            None, True, changed, None, start, until, tuple(changes),
            media_written=new_media, warnings=tuple(plan.global_warnings),
            outputs_reused=outputs.hits, outputs_made=outputs.misses,
            outputs_carried=plan.viewer_files_carried,
        )  # fmt: skip

    with tree.lock(library.engine):
        with library.session() as session:
            row = Publication(status=PublicationStatus.RUNNING, started_at=now)
            session.add(row)
            session.flush()
            publication_id = row.id
        release_name: str | None = None
        try:
            _interrupted(library, publication_id)
            tree.ensure()
            tree.clean(KEEP_RELEASES)  # half-built releases a crash left behind
            current_name = tree.current_release()
            current = tree.index(current_name)
            old = _old_payloads(library, tree, current, outputs)
            plan = _plan(
                library, key, start, until, progress, cancel,
                old=old, now=now, tree=tree, previous=current, outputs=outputs, look_up=True,
            )  # fmt: skip
            outputs.flush(known=_digests(plan))
            changes = _changes(plan, old)
            media_written = _copy_media(library, tree, plan.media)
            _crash_point("after-media")
            digests = {**_digests(plan), **plan.carried}
            changed = current is None or current.files != digests
            damaged = changed and _missing_carried(tree, plan, current)
            if damaged:
                plan = _plan(
                    library, key, start, until, progress, cancel,
                    old=old, now=now, tree=tree, previous=current, outputs=outputs, carry=False,
                )  # fmt: skip
                outputs.flush(known=_digests(plan))
                digests = _digests(plan)
            linked = written = 0
            if changed:
                if cancel is not None and cancel.is_set():
                    raise PublishCancelled(
                        "Publishing was cancelled; the published tree is unchanged."
                    )
                release_name = tree.new_release_name(str(publication_id))
                half = max(1, (len(plan.files) + len(plan.carried)) // 2)
                crossed = [False]

                def on_file(number: int, total: int) -> None:
                    if number >= half and not crossed[0]:
                        crossed[0] = True
                        _crash_point("mid-release")

                media_used = frozenset(plan.media)  # the manifests' and the pages' media
                extra = {"publication": publication_id, **plan.index_extra()}
                name = release_name
                built = tree.build_release(
                    release_name,
                    plan.files,
                    current,
                    on_file=on_file,
                    carried=plan.carried,
                    anew=damaged,
                    known=digests,
                    # Marked complete by its index, written as the build's files are made
                    # durable and under its name once they all are.
                    index=lambda trees: ReleaseIndex(name, digests, media_used, extra, trees),
                )
                linked, written = built.linked, built.written
                _crash_point("before-swap")
                if cancel is not None and cancel.is_set():
                    raise PublishCancelled(
                        "Publishing was cancelled; the published tree is unchanged."
                    )
                tree.swap(release_name)
                # The next change asks the worker to look this release up while it plans
                # (Tree.look_up_soon): started now, it is ready by then. Started by the first
                # question instead, it could only answer the change after.
                tree_check.ready()
                _crash_point("after-swap")
                release_name = None  # served now: never clean it up as half-built
            elif current is not None and _recorded(current.extra) != plan.index_extra():
                # The same files, from inputs now named differently (or a release made before
                # units were recorded): record them, so the next publish can carry them over.
                extra = {**current.extra, **plan.index_extra()}
                same = ReleaseIndex(
                    current.release, current.files, current.media, extra, current.trees
                )
                tree.mark_complete(same)
            # Stale releases and trees leave releases/ and trees/ now; they are removed once
            # the publish has returned (publish: remove_trash_later), as their removal's
            # threads slowed the publish's own last steps (the media sweep, the records).
            tree.clean(KEEP_RELEASES, later=True, start=False)
            served_index = current if not changed else None  # unchanged: the one read
            removed, waiting = tree.collect_media(tree.kept_media(served_index), now, grace)
            served = tree.current_release()
            result = PublishResult(
                publication_id,
                False,
                changed,
                tree.releases / served if served else None,
                start,
                until,
                tuple(changes),
                media_written=media_written,
                media_removed=len(removed),
                media_waiting=waiting,
                files_linked=linked,
                files_written=written,
                warnings=tuple(plan.global_warnings),
                outputs_reused=outputs.hits,
                outputs_made=outputs.misses,
                outputs_carried=plan.viewer_files_carried,
            )
            _record_manifests(library, plan, publication_id, now)
            # What the hub renders frames for; a work on a screen of a new size gets its newest
            # frame rendered for it now, not with the next frame.
            for live_work_id in set_live_profiles(library, plan.live_profiles):
                render_newest(library, live_work_id, key=key.private_key)
            _finish(library, publication_id, PublicationStatus.DONE, result.to_json())
            return result
        except BaseException as exc:
            if release_name is not None and tree.current_release() != release_name:
                tree.remove_release(release_name)
            if isinstance(exc, OSError):
                reason = str(StorageError(exc))
            elif isinstance(exc, UrbanArtError):
                reason = str(exc)
            else:
                reason = type(exc).__name__
            if isinstance(exc, KeyboardInterrupt):
                reason = "cancelled by the curator"
            _finish(library, publication_id, PublicationStatus.FAILED, {"error": reason})
            raise


__all__ = [
    "CRASH_ENV",
    "CRASH_STAGES",
    "DEFAULT_LOOK_AHEAD_DAYS",
    "MEDIA",
    "DroppedItem",
    "PublishCancelled",
    "PublishResult",
    "ScreenChange",
    "publish",
    "window_for",
]
