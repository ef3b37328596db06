"""A hand-written check that accepts the ordinary heartbeat and plays bodies at a glance.

Why: the hub checks every body against api.schema.json, and jsonschema's general validator
took about 0.3 ms for one small heartbeat (most of the hub's own work per heartbeat) and
several milliseconds for a batch of plays. These functions answer only "certainly valid": they
mirror the schema's rules for the two bodies exactly (same patterns, searched the way
jsonschema searches them; integers only where the schema says integer, never booleans), and
say False for anything they are not sure of, which the caller then hands to jsonschema for the
verdict and for an error message naming the path. So the schema stays the one authority on what
is refused and how it is worded; tests/protocol/test_quick_check.py holds the two to agreement.
"""

from __future__ import annotations

import re
from typing import Any

#: The patterns of api.schema.json's $defs (re.search, as jsonschema applies "pattern").
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_INSTANT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})$"
)
_MAX_SAFE_INTEGER = 9007199254740991

_PLAYING_KEYS = frozenset({"artwork_sha256", "title", "playlist", "since"})
_REFUSED_KEYS = frozenset({"reason", "source", "detail", "at"})
_REFUSED_REASONS = frozenset({"other-screen", "rollback", "expired", "bad-signature", "invalid"})
_REFUSED_SOURCES = frozenset({"polled", "pushed"})
_PLAY_KEYS = frozenset(
    {"id", "artwork_sha256", "playlist", "started_at", "duration_s", "manifest_version"}
)
_PLAY_REQUIRED = ("id", "artwork_sha256", "started_at", "duration_s")


def _text(value: Any, most: int, least: int = 0) -> bool:
    return type(value) is str and least <= len(value) <= most


def _text_or_null(value: Any, most: int) -> bool:
    return value is None or (type(value) is str and len(value) <= most)


def _sha256(value: Any) -> bool:
    return type(value) is str and _SHA256.search(value) is not None


def _instant(value: Any) -> bool:
    return type(value) is str and len(value) <= 40 and _INSTANT.search(value) is not None


def _playing(value: Any) -> bool:
    if value is None:
        return True
    return (
        type(value) is dict
        and _PLAYING_KEYS.issuperset(value)
        and _sha256(value.get("artwork_sha256"))
        and _text_or_null(value.get("title"), 300)
        and _text_or_null(value.get("playlist"), 200)
        and (value.get("since") is None or _instant(value["since"]))
    )


def _refused(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is not dict or not _REFUSED_KEYS.issuperset(value):
        return False
    reason = value.get("reason")
    source = value.get("source", "polled")
    return (
        type(reason) is str
        and reason in _REFUSED_REASONS
        and type(source) is str
        and source in _REFUSED_SOURCES
        and ("detail" not in value or _text(value["detail"], 300))
        and _instant(value.get("at"))
    )


def heartbeat_ok(value: Any) -> bool:
    """True only if `value` certainly matches the schema's heartbeat (False: ask jsonschema)."""
    if type(value) is not dict:
        return False
    for key in ("playing", "manifest_version", "player_version", "free_disk_bytes", "errors"):
        if key not in value:
            return False
    disk = value["free_disk_bytes"]
    errors = value["errors"]
    return (
        _playing(value["playing"])
        and _text_or_null(value["manifest_version"], 64)
        and _text(value["player_version"], 60, 1)
        and (disk is None or (type(disk) is int and 0 <= disk <= _MAX_SAFE_INTEGER))
        and type(errors) is list
        and len(errors) <= 50
        and all(_text(error, 500) for error in errors)
        and ("refused" not in value or _refused(value["refused"]))
    )


def _play(record: Any) -> bool:
    if type(record) is not dict or not _PLAY_KEYS.issuperset(record):
        return False
    for key in _PLAY_REQUIRED:
        if key not in record:
            return False
    duration = record["duration_s"]
    return (
        _text(record["id"], 80, 1)
        and _sha256(record["artwork_sha256"])
        and _instant(record["started_at"])
        and type(duration) in (int, float)
        and 0 <= duration <= 86400
        and _text_or_null(record.get("playlist"), 200)
        and _text_or_null(record.get("manifest_version"), 64)
    )


def plays_ok(value: Any) -> bool:
    """True only if `value` certainly matches the schema's plays body (False: ask jsonschema)."""
    if type(value) is not dict or "records" not in value:
        return False
    records = value["records"]
    return type(records) is list and len(records) <= 1000 and all(_play(r) for r in records)


QUICK = {"heartbeat": heartbeat_ok, "plays": plays_ok}
