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
VERSION = 2
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


def media_urls(payload: Mapping[str, Any]) -> set[str]:
    """Every media URL the payload's playlists use: what a player must have cached."""
    return {
        item["media"]["url"]
        for playlist in payload.get("playlists", {}).values()
        for item in playlist.get("items", [])
    }
