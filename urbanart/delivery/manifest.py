"""Build one screen's manifest payload: its timeline, playlists and media, versioned by content.

Pure: the publisher gathers the facts from the library, this module shapes them. The payload has
no "generated at" time, so the same library published twice gives the same bytes, the same
version and the same ETag, and screens download nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from urbanart.curation.resolver import Timeline
from urbanart.curation.rules import EPOCH
from urbanart.memo import Recent
from urbanart.protocol.canonical import canonical_json
from urbanart.protocol.hub_api import screen_api_paths
from urbanart.protocol.manifest_format import FORMAT, VERSION, VIDEO_VERSION, version_of
from urbanart.viewers.qr import matrix_rows

#: A manifest expires this long after its window ends. Until then a player keeps it (and its
#: default playlist beyond the window); after, a replayed copy is refused as a freeze. The timed
#: refresh (urbanart.delivery.jobs) re-publishes long before: see REFRESH_BEFORE there.
EXPIRY_MARGIN = timedelta(days=7)
#: The languages of a screen that says nothing more: the manifest's own texts (the disclosure
#: sentences, the base titles) and the players' defaults are English. Any other screen names
#: its languages in a version 3 payload so players show their fixed words in them.
ENGLISH_ONLY: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class ScreenFacts:
    id: int
    name: str
    timezone: str
    width: int
    height: int
    poll_interval: int
    poll_token: str
    default_playlist_id: int | None = None
    #: Its language then its optional second one (urbanart.library.texts.screen_languages).
    languages: tuple[str, ...] = ENGLISH_ONLY


@dataclass(frozen=True)
class MediaFacts:
    """A rendition as published: its tree URL and the facts a player checks after download."""

    url: str
    sha256: str  # of the rendition file's bytes
    size: int
    width: int
    height: int
    format: str
    animated: bool


@dataclass(frozen=True)
class VideoFacts:
    """A video rendition as published (manifest v3's `video`): what a player fetches, verifies
    and plays; the item's `media` stays its still fallback."""

    url: str
    sha256: str  # of the MP4 file's bytes
    size: int
    width: int
    height: int
    duration_s: float  # the file's own length
    fps: float
    has_audio: bool


@dataclass(frozen=True)
class GenerativeFacts:
    """A generative work's package as published (manifest v3's `generative`): its files under
    base_url, run by players in a sandboxed iframe; the item's `media` stays its still."""

    sha256: str  # of the package (.zip) as imported
    size: int  # of all files together
    files: tuple[tuple[str, str, int], ...]  # (path, sha256, size), in path order

    @property
    def base_url(self) -> str:
        return generative_base_url(self.sha256)


def generative_base_url(sha256: str) -> str:
    """Where a package's files are in the tree: content-addressed, so never rewritten."""
    return f"/media/gen/{sha256}/"


def _generative(facts: GenerativeFacts) -> dict[str, Any]:
    return {
        "base_url": facts.base_url,
        "entry": "index.html",
        "sha256": facts.sha256,
        "size": facts.size,
        "files": [{"path": p, "sha256": s, "size": n} for p, s, n in facts.files],
    }


@dataclass(frozen=True)
class LiveFacts:
    """A live work's feed as a manifest names it (v3's `live`): the item's `media` stays its
    still fallback, shown while the feed is silent."""

    feed_url: str
    profile: str  # the key of this screen's rendition in the feed's frames
    interval_s: float
    silence_s: float


@dataclass(frozen=True)
class ItemFacts:
    item_id: int
    artwork_id: int
    title: str
    artist: str
    year: int | None
    license: str
    license_url: str | None
    ai_involvement: str
    ai_disclosure: str
    alt_text: str
    duration_s: float
    transition: str
    transition_s: float
    overlay: bool
    media: MediaFacts
    video: VideoFacts | None = None  # set for a video work whose rendition was made
    generative: GenerativeFacts | None = None  # set for a generative work (an HTML5 package)
    live: LiveFacts | None = None  # set for a live work


@dataclass(frozen=True)
class PlaylistFacts:
    id: int
    name: str
    items: tuple[ItemFacts, ...]

    def __hash__(self) -> int:
        """The fields' hash, made once: the facts name their entry in _ENTRIES, looked up
        for every playlist of every screen built, and hashing their items (each with its
        media, video and texts) again each time cost a change's rebuilt screens more than
        the lookups. Frozen fields of frozen values: the hash never changes."""
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.id, self.name, self.items))
            self.__dict__["_hash"] = found
        return found


def etag_for(data: bytes) -> str:
    """The strong ETag of a published file: the quoted first 32 hex chars of sha256(bytes).

    The publisher records it and the hub computes it from the file, so both always agree.
    """
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def iso_z(value: datetime) -> str:
    """ISO 8601 in UTC with a "Z", the form every JavaScript and embedded clock parses."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def orientation(width: int, height: int) -> str:
    return "portrait" if height > width else "landscape"


def credit(title: str, artist: str, year: int | None) -> str:
    """How a caption credits a work: "Title — Artist, 2025" (the year only when known)."""
    return f"{title} — {artist}" + (f", {year}" if year is not None else "")


def _seconds(value: float) -> int | float:
    """Whole seconds as integers, so 10.0 and 10 hash alike whatever produced them."""
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _video(video: VideoFacts) -> dict[str, Any]:
    return {
        "url": video.url,
        "sha256": video.sha256,
        "size": video.size,
        "width": video.width,
        "height": video.height,
        "format": "MP4",
        "codec": "h264",
        "duration_s": round(float(video.duration_s), 3),
        "fps": _seconds(video.fps),
        "has_audio": video.has_audio,
    }


def _item(item: ItemFacts, base_url: str, version: int) -> dict[str, Any]:
    media = item.media
    mobile_url = f"{base_url}/a/{item.artwork_id}/"
    shaped = {
        "item_id": item.item_id,
        "artwork_id": item.artwork_id,
        "title": item.title,
        "artist": item.artist,
        "year": item.year,
        "credit": credit(item.title, item.artist, item.year),
        "license": item.license,
        "license_url": item.license_url,
        "ai_involvement": item.ai_involvement,
        "ai_disclosure": item.ai_disclosure,
        "alt_text": item.alt_text,
        "duration_s": _seconds(item.duration_s),
        "transition": {"type": item.transition, "seconds": _seconds(item.transition_s)},
        "overlay": item.overlay,
        "mobile_url": mobile_url,
        "qr": list(matrix_rows(mobile_url)) if item.overlay else None,
        "media": {
            "url": media.url,
            "sha256": media.sha256,
            "size": media.size,
            "width": media.width,
            "height": media.height,
            "format": media.format,
            "animated": media.animated,
        },
    }
    if version >= VIDEO_VERSION:  # v3: every item names its kind; a video item carries its file
        shaped["media_type"] = "video" if item.video is not None else "image"
        if item.video is not None:
            shaped["video"] = _video(item.video)
        if item.generative is not None:
            shaped["media_type"] = "generative"
            shaped["generative"] = _generative(item.generative)
        if item.live is not None:
            shaped["media_type"] = "live"
            shaped["live"] = {
                "feed_url": item.live.feed_url,
                "profile": item.live.profile,
                "interval_s": _seconds(item.live.interval_s),
                "silence_s": _seconds(item.live.silence_s),
            }
    return shaped


#: A playlist's manifest entry and its canonical text, by (its facts, the public address, the
#: payload version): see _entry. Bounded.
_ENTRIES: Recent[tuple[PlaylistFacts, str, int], tuple[dict[str, Any], str]] = Recent(2048)


def _entry(facts: PlaylistFacts, base_url: str, version: int) -> tuple[dict[str, Any], str]:
    """A playlist's entry in a payload's "playlists" and its canonical text, made once per
    process for the same facts: every screen of one size that plays a playlist carries the
    very same entry (most of its payload), and a rebuilt screen's unchanged playlists have the
    facts an earlier publish made (publisher's playlist_facts). Entries are only read once made
    (payloads are never changed but by renumbering)."""
    key = (facts, base_url, version)
    found = _ENTRIES.get(key)
    if found is None:
        entry = {
            "name": facts.name,
            "total_seconds": _seconds(sum(i.duration_s for i in facts.items)),
            "items": [_item(i, base_url, version) for i in facts.items],
        }
        found = (entry, canonical_json(entry))
        _ENTRIES.put(key, found)
    return found


def payload_version(
    playlists: Mapping[int, PlaylistFacts],
    used: set[int],
    languages: tuple[str, ...] = ENGLISH_ONLY,
) -> int:
    """2 while every item the screen gets is a still and the screen speaks only English (the
    same bytes as before video and screen languages existed, so older players keep working and
    nothing is re-published), 3 as soon as one is a video, a generative or a live work, or the
    screen has other languages."""
    videos = any(
        i.video is not None or i.generative is not None or i.live is not None
        for pid in used
        if pid in playlists
        for i in playlists[pid].items
    )
    return VIDEO_VERSION if videos or languages != ENGLISH_ONLY else VERSION


class _BoundaryTexts(dict[int, str]):
    """µs since 1970 → the instant's iso_z text, made on first lookup and kept: a thousand
    screens' timelines over one week share most of their boundaries, and formatting an instant
    costs far more than finding it again (a dict subclass's hits stay in C)."""

    def __missing__(self, micros: int) -> str:
        if len(self) >= 65_536:
            self.clear()
        text = self[micros] = iso_z(EPOCH + timedelta(microseconds=micros))
        return text


_BOUNDARY_TEXTS = _BoundaryTexts()


def timeline_entries(timeline: Timeline) -> list[dict[str, Any]]:
    """The manifest's "timeline": each segment's span (UTC, "Z") and who wins it.

    Made from the timeline's compact runs (run starts in µs, a table of what plays), not from
    its Segment objects: each distinct row is described once and no segment is built, so a
    thousand screens' manifests cost a dict per segment and nothing more. Its own function so
    bench/resolve_bench.py can time what publishing makes of a resolved timeline.
    """
    low, starts, keys, table = timeline.runs
    high = (timeline.end - EPOCH) // timedelta(microseconds=1)
    text_of = _BOUNDARY_TEXTS.__getitem__
    texts = [text_of(low), *map(text_of, starts[1:]), text_of(high)]
    # str(source), not source.value: Enum's value is a Python-level property; a StrEnum's str()
    # is the value, made in C.
    described = [
        (None if pid is None else str(pid), str(source), sid)
        for source, pid, _name, sid, _over in table
    ]
    return [
        {
            "start": start,
            "end": end,
            "playlist": playlist,
            "source": source,
            "schedule_id": schedule_id,
        }
        for start, end, (playlist, source, schedule_id) in zip(
            texts[:-1], texts[1:], map(described.__getitem__, keys), strict=True
        )
    ]


#: A timeline's manifest entries and their canonical text, by the timeline's version: a sha256
#: of all they are made from (screen, range, run starts, what each run plays). A change's
#: rebuilt screens mostly keep their timelines (an edited item changes what a playlist shows,
#: not when it plays); their entries are only read once made, like _ENTRIES'. Bounded.
_TIMELINES: Recent[str, tuple[list[dict[str, Any]], str]] = Recent(1024)


def _timeline(timeline: Timeline) -> tuple[list[dict[str, Any]], str]:
    """timeline_entries(timeline) and their canonical text, made once per process."""
    found = _TIMELINES.get(timeline.version)
    if found is None:
        entries = timeline_entries(timeline)
        found = (entries, canonical_json(entries))
        _TIMELINES.put(timeline.version, found)
    return found


def build_manifest(
    screen: ScreenFacts,
    timeline: Timeline,
    playlists: Mapping[int, PlaylistFacts],
    *,
    public_base_url: str,
    sequence: int = 1,
    expires: datetime | None = None,
    key_announcement: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The payload for one screen over the timeline's window (build_numbered's payload)."""
    return build_numbered(
        screen,
        timeline,
        playlists,
        public_base_url=public_base_url,
        sequence=sequence,
        expires=expires,
        key_announcement=key_announcement,
    ).payload


def build_numbered(
    screen: ScreenFacts,
    timeline: Timeline,
    playlists: Mapping[int, PlaylistFacts],
    *,
    public_base_url: str,
    sequence: int = 1,
    expires: datetime | None = None,
    key_announcement: Mapping[str, str] | None = None,
) -> NumberedText:
    """The payload for one screen over the timeline's window, with its canonical text.

    `sequence` is the screen's manifest counter (the publisher keeps it growing, see
    with_sequence); `expires` defaults to the window's end plus EXPIRY_MARGIN, so it changes only
    with the window and republishing the same day still gives the same bytes. A key
    announcement rides along while screens move to a rotated signing key.

    Only the playlists the timeline names and the screen's default appear (a screen learns
    nothing about other screens); the default is always there so a player that outlives its
    window still has something to show. Items keep their playlist order; every item given must
    already be approved and rendered.
    """
    base_url = public_base_url.rstrip("/")
    used = set(timeline.playlist_ids)
    default = screen.default_playlist_id if screen.default_playlist_id in playlists else None
    if default is not None:
        used.add(default)
    version = payload_version(playlists, used, screen.languages)
    entries = {str(pid): _entry(playlists[pid], base_url, version) for pid in used}
    timed = _timeline(timeline)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": version,
        "sequence": sequence,
        "expires": iso_z(expires if expires is not None else timeline.end + EXPIRY_MARGIN),
        "screen": {
            "id": screen.id,
            "name": screen.name,
            "timezone": screen.timezone,
            "width": screen.width,
            "height": screen.height,
            "orientation": orientation(screen.width, screen.height),
            "poll_interval": screen.poll_interval,
        },
        "window": {"from": iso_z(timeline.start), "until": iso_z(timeline.end)},
        "hub": screen_api_paths(screen.poll_token),
        "playlists": {str(pid): entries[str(pid)][0] for pid in sorted(used)},
        "timeline": timed[0],
        "default_playlist": None if default is None else str(default),
    }
    if screen.languages != ENGLISH_ONLY:  # v3: players show their fixed words in these
        payload["screen"]["languages"] = list(screen.languages)
    if key_announcement is not None:
        payload["key_announcement"] = dict(key_announcement)
    # The "playlists" field's canonical text, joined from its entries' (keys sorted as text).
    joined = ",".join(f"{canonical_json(pid)}:{entries[pid][1]}" for pid in sorted(entries))
    numbered = NumberedText(payload, known={"playlists": "{" + joined + "}", "timeline": timed[1]})
    numbered.renumber(sequence)
    return numbered


#: The fields numbering sets (with_sequence); NumberedText serializes the others once.
NUMBERING = ("sequence", "manifest_version")


class NumberedText:
    """A payload and its canonical text at any sequence, its other fields serialized once.

    Why: a changed screen's manifest is versioned at the sequence it was last given (equal
    content keeps its number), then maybe at the next, then its text is signed: a serialization
    of the whole payload each (its playlists and timeline are most of it), where one and a few
    joins give the same text. canonical_json writes an object as its fields sorted by key, each
    `key:value` with the value's own canonical text, so the parts joined are that very text.
    The payload must change only by renumber() once this is made.
    """

    def __init__(self, payload: dict[str, Any], *, known: Mapping[str, str] | None = None) -> None:
        """known: fields' canonical texts made already (they must be canonical_json's)."""
        self.payload = payload
        given = known or {}
        self._fields = {
            k: given[k] if k in given else canonical_json(v)
            for k, v in payload.items()
            if k not in NUMBERING
        }

    def _text(self, numbering: Mapping[str, Any]) -> str:
        fields = {**self._fields, **{k: canonical_json(v) for k, v in numbering.items()}}
        return "{" + ",".join(f"{canonical_json(k)}:{fields[k]}" for k in sorted(fields)) + "}"

    def renumber(self, sequence: int) -> dict[str, Any]:
        """with_sequence(payload, sequence), the version hashed from the joined parts."""
        body = self._text({"sequence": sequence})
        self.payload["sequence"] = sequence
        self.payload["manifest_version"] = hashlib.sha256(body.encode("utf-8")).hexdigest()
        return self.payload

    def text(self) -> str:
        """payload_text(payload)."""
        return self._text({k: self.payload[k] for k in NUMBERING if k in self.payload})


def with_sequence(payload: dict[str, Any], sequence: int) -> dict[str, Any]:
    """The payload renumbered (and re-versioned): a new manifest must outrank what screens hold."""
    payload["sequence"] = sequence
    payload["manifest_version"] = version_of(payload)
    return payload


def payload_text(payload: Mapping[str, Any]) -> str:
    return canonical_json(payload)


def item_ids(payload: Mapping[str, Any]) -> set[tuple[str, int]]:
    """(playlist id, item id) pairs, to count what a new manifest added or removed."""
    return {
        (pid, item["item_id"])
        for pid, playlist in payload.get("playlists", {}).items()
        for item in playlist.get("items", [])
    }
