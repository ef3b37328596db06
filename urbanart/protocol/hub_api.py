"""The hub API's bodies (heartbeat, plays): their JSON Schema and how a body is checked.

Why in the protocol: the hub refuses a body that breaks api.schema.json, and a player (or a
third-party one) can check what it sends against the same schema; the errors name the JSON path,
so a player's log says what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from urbanart.protocol.quick_check import QUICK

SCHEMA_FILE = "api.schema.json"
#: The body kinds a screen posts, each to /api/v1/screens/<poll token>/<kind>.
KINDS = ("heartbeat", "plays")


def screen_api_paths(token: str) -> dict[str, str]:
    """Where a screen posts each kind of body, from the hub's root; a manifest carries these."""
    return {kind: f"/api/v1/screens/{token}/{kind}" for kind in KINDS}


@cache
def schema() -> dict[str, Any]:
    """The API's JSON Schema (2020-12), shipped next to this module; one $def per body kind."""
    text = resources.files("urbanart.protocol").joinpath(SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _inline_refs(node: Any, defs: Mapping[str, Any]) -> Any:
    """node with every local ``{"$ref": "#/$defs/name"}`` replaced by that definition."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_refs(value, defs) for value in node]
    return node


@cache
def validator(kind: str) -> Draft202012Validator:
    """A validator for "heartbeat" or "plays" from api.schema.json, its $refs inlined once.

    Why inlined: resolving three $refs per play record made validating a batch of 1,000 plays
    take about twice as long; the schema has no recursive definitions, so inlining is exact.
    """
    full = schema()
    body = _inline_refs(full["$defs"][kind], full["$defs"])
    return Draft202012Validator({"$schema": full["$schema"], **body})


class BadRequest(Exception):
    """A body the API refuses; detail names the JSON path and what is wrong with it."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail[:300]


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


#: One strict decoder for every body: json.loads with a keyword builds a new one per call,
#: which was a measurable part of each heartbeat's time on the hub's event loop.
_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def parse_json(body: bytes) -> Any:
    """Strict JSON (UTF-8, no NaN or Infinity); BadRequest says where it breaks."""
    try:
        text = body.decode("utf-8")
        if text.startswith("\ufeff"):  # what json.loads refuses before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _DECODER.decode(text)
    except UnicodeDecodeError as exc:
        raise BadRequest("invalid JSON", f"body is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            "invalid JSON", f"line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest("invalid JSON", str(exc)) from None


def check(kind: str, value: Any) -> None:
    """Raise BadRequest naming the first schema violation as "<path>: <message>".

    The ordinary body is accepted by quick_check's hand-written mirror of the schema in
    microseconds; anything it is not sure of goes to jsonschema, which decides and words the
    error.
    """
    if QUICK[kind](value):
        return
    error = best_match(validator(kind).iter_errors(value))
    if error is None:
        return
    path = "/".join(str(p) for p in error.absolute_path) or "(body)"
    message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
    raise BadRequest("invalid body", f"{path}: {message}")


def parse_instant(value: str, path: str) -> datetime:
    """ISO 8601 with an explicit offset (the schema's pattern), as an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest("invalid body", f"{path}: {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise BadRequest("invalid body", f"{path}: {value!r} has no UTC offset")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise BadRequest("invalid body", f"{path}: {value!r} is out of range") from None
