"""A screen's programme in two halves: its timing, one file per screen beside its pages
(s/<id>/programme.json), and what a page version shows of each work, embedded in that version.

Why: a now-playing page once embedded its screen's whole programme, the timeline and every
playlist's items with their durations and, per language, their titles, links and images. An
edit of one item's duration then rewrote the pages of every screen playing it in all six
versions (~23 KB of programme each), though only the timing had moved. Now the timing (the
window, the timeline, the default playlist, each playlist's items in order with what
now-playing.js needs to know what plays when: artwork id, duration, the screen's own video and
its length, a live item's feed) is the same in every language and lives in programme.json,
fetched at a fixed address and revalidated (ETag); the page keeps what a version shows of each
work and playlist, keyed by their ids, which changes with the works and languages, not with
the times. A duration edit rewrites one small file per screen; the pages stay byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from urbanart.viewers.page_units import NAMED_UNITS
from urbanart.viewers.pages import json_for_script, tree_url
from urbanart.viewers.per_entry import PerEntry

#: The timing's file name, in each screen's folder beside its index.html.
PROGRAMME_FILE = "programme.json"
#: An entry's fields (site._entry) that come from the screen's manifest item, not from the
#: work: they are in programme.json, and left out of what the page embeds.
TIMING_FIELDS = frozenset({"duration_s", "video", "live"})


@lru_cache(maxsize=NAMED_UNITS)
def programme_path(screen_id: int) -> str:
    """The tree path of a screen's timing file: s/<id>/programme.json (kept made: a publish
    names a fleet's every screen's, page_units.unit_name)."""
    return f"{tree_url('s', screen_id)}/{PROGRAMME_FILE}"


def entry_video(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The video the screen plays for this item (its own rendition), for the now-playing page:
    its tree path and its length, so the page can show where in it the screen is."""
    video = item.get("video") if item.get("media_type") == "video" else None
    if not isinstance(video, Mapping):
        return None
    return {
        "src": str(video["url"]).lstrip("/"),
        "duration_s": video["duration_s"],
        "width": video["width"],
        "height": video["height"],
    }


def entry_live(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """A live item's feed as the pages follow it: the feed document's tree path (public, like
    the feed id in it; never the generator's token), the screen's profile and the interval."""
    live = item.get("live") if item.get("media_type") == "live" else None
    if not isinstance(live, Mapping):
        return None
    return {
        "feed": str(live["feed_url"]).lstrip("/"),
        "profile": str(live["profile"]),
        "interval_s": float(live["interval_s"]),
    }


def timing(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What plays when on a screen, from its manifest and nothing more: no poll token, no hub
    URLs, no media hashes beyond the public paths of the files it shows (a video item's is the
    screen's own MP4). "version" names the rest, so a page can tell one programme from another."""
    body = {
        "window": _window(payload),
        "timeline": _timeline(payload),
        "default_playlist": payload["default_playlist"],
        "playlists": {pid: _entry_timing(p) for pid, p in payload["playlists"].items()},
    }
    version = hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()[:16]
    return {**body, "version": version}


def _window(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"from": payload["window"]["from"], "until": payload["window"]["until"]}


def _timeline(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"start": s["start"], "end": s["end"], "playlist": s["playlist"]}
        for s in payload["timeline"]
    ]


def _entry_timing(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One playlist entry's part of the timing: its items in order."""
    return {
        "items": [
            {
                "artwork_id": int(item["artwork_id"]),
                "duration_s": item["duration_s"],
                "video": entry_video(item),
                "live": entry_live(item),
            }
            for item in entry["items"]
        ]
    }


def timing_bytes(payload: Mapping[str, Any]) -> bytes:
    """programme.json as published: sorted keys and no spaces, so equal timing, equal bytes.

    The text of _canonical(timing(payload)), joined from its parts' texts: the body's four
    keys in their sorted order, "version" between "timeline" and "window", and each playlist
    entry's part written once per entry object (_ENTRY_TEXT): after an edit the edited screens'
    other playlists are the entries written before, and the body was written twice (once for
    its version). Playlists keyed otherwise than by text (never a manifest's) are written whole."""
    playlists = payload["playlists"]
    if not all(isinstance(pid, str) for pid in playlists):
        return _canonical(timing(payload)).encode("utf-8")
    default = _canonical(payload["default_playlist"])
    entries = ",".join(
        f"{_canonical(pid)}:{_ENTRY_TEXT(playlists[pid])}" for pid in sorted(playlists)
    )
    timeline = _canonical(_timeline(payload))
    window = _canonical(_window(payload))
    head = f'{{"default_playlist":{default},"playlists":{{{entries}}},"timeline":{timeline}'
    version = hashlib.sha256(f'{head},"window":{window}}}'.encode()).hexdigest()[:16]
    return f'{head},"version":"{version}","window":{window}}}'.encode()


#: Each playlist entry's part of programme.json, written, by the entry object.
_ENTRY_TEXT: PerEntry[str] = PerEntry(lambda entry: _canonical(_entry_timing(entry)))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def page_programme(
    *,
    root: str,
    suffix: str,
    screen: Mapping[str, Any],
    playlists: Sequence[tuple[str, Mapping[str, Any]]],
) -> Markup:
    """The page's half, as its script reads it (#works): the way to the root, the screen, where
    its timing is, each playlist's name and link and each work as this version shows it (the
    playlists' entries without TIMING_FIELDS, by artwork id; the first entry met of a work,
    as every entry of one work in one version shows the same)."""
    works: dict[str, dict[str, Any]] = {}
    for _pid, playlist in playlists:
        for entry in playlist["items"]:
            aid = str(entry["artwork_id"])
            if aid not in works:
                works[aid] = {k: v for k, v in entry.items() if k not in TIMING_FIELDS}
    return json_for_script(
        {
            "root": root,
            "suffix": suffix,
            "screen": {"id": screen["id"], "name": screen["name"]},
            "programme": programme_path(int(screen["id"])),
            "playlists": {pid: {"name": p["name"], "url": p["url"]} for pid, p in playlists},
            "works": works,
        }
    )
