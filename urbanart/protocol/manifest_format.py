"""The manifest payload's format: its name and version, its JSON Schema and its version hash.

Why the player needs all of this and not just the signature: a manifest signed by the right key
may still be for a format version this player does not know, or broken; checking the schema and
the content hash refuses it rather than crashing a screen. The builder (urbanart.delivery.manifest)
stamps the same FORMAT, VERSION and version_of.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from urbanart.protocol.canonical import canonical_bytes

FORMAT = "urbanart.manifest"
#: The version a screen gets while all its items are stills (older players know only this one).
VERSION = 2
#: The version of a payload with at least one video item (items carry media_type and video), or
#: for a screen with languages other than English (`screen.languages`).
VIDEO_VERSION = 3
#: What this player side accepts: a v3 player plays v2 payloads unchanged.
SUPPORTED_VERSIONS = (2, 3)
SCHEMA_FILE = "manifest.schema.json"


def version_of(payload: Mapping[str, Any]) -> str:
    """sha256 of the canonical payload without its own manifest_version field."""
    body = {k: v for k, v in payload.items() if k != "manifest_version"}
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


@cache
def schema() -> dict[str, Any]:
    """The payload's JSON Schema (2020-12), shipped next to this module."""
    text = resources.files("urbanart.protocol").joinpath(SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate_payload(payload: Mapping[str, Any]) -> None:
    """Raise jsonschema.ValidationError when the payload breaks the schema (tests, tooling)."""
    from jsonschema import Draft202012Validator

    Draft202012Validator(schema()).validate(dict(payload))


def schema_errors(payload: Mapping[str, Any]) -> Iterable[str]:
    """Each schema violation as "<json path>: <message>", for a player's error log."""
    from jsonschema import Draft202012Validator

    for error in Draft202012Validator(schema()).iter_errors(dict(payload)):
        yield f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"


def item_media(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The files one item needs: its still (`media`, always) and its video when it has one.

    A v3 item of a media_type this code does not know still needs only its still; its `video`
    is fetched only when the item says it is a video."""
    files = [item["media"]]
    video = item.get("video")
    if item.get("media_type") == "video" and isinstance(video, Mapping):
        files.append(video)
    return files


def media_urls(payload: Mapping[str, Any]) -> set[str]:
    """Every media URL the payload's playlists use (stills and videos): what a player must
    have cached before it switches to the payload."""
    return {
        media["url"]
        for playlist in payload.get("playlists", {}).values()
        for item in playlist.get("items", [])
        for media in item_media(item)
    }
