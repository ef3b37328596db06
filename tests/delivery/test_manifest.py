"""The manifest payload: schema-valid, content-versioned, stable bytes, curator-facing fields."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from urbanart.curation.resolver import resolve
from urbanart.curation.rules import DailyWindow, ScheduleRule, ScreenContext
from urbanart.delivery import manifest as mf
from urbanart.delivery.publisher import window_for
from urbanart.protocol import manifest_format as fmt
from urbanart.protocol.canonical import canonical_json
from urbanart.protocol.tree_layout import media_url

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database

NOW = datetime(2026, 3, 27, 15, 42, 10, tzinfo=UTC)


def _media(n: int) -> mf.MediaFacts:
    sha = hashlib.sha256(str(n).encode()).hexdigest()
    return mf.MediaFacts(media_url(sha, "jpg"), sha, 1234, 640, 360, "JPEG", False)


def _item(n: int, **changes: object) -> mf.ItemFacts:
    base = dict(
        item_id=n, artwork_id=100 + n, title=f"Work {n}", artist="Ana Roa", year=2025,
        license="CC-BY-4.0", license_url="https://creativecommons.org/licenses/by/4.0/",
        ai_involvement="digitalCreation", ai_disclosure="Made by hand.", alt_text="Shapes.",
        duration_s=10.0, transition="crossfade", transition_s=1.0, overlay=True, media=_media(n),
    )  # fmt: skip
    base.update(changes)
    return mf.ItemFacts(**base)  # type: ignore[arg-type]


def _build(start: datetime = NOW, **screen_changes: object) -> dict:
    screen = mf.ScreenFacts(
        id=3, name="Berlin Kiosk", timezone="Europe/Berlin", width=640, height=360,
        poll_interval=60, poll_token="abcdefghijklmnop_-12", default_playlist_id=1,
    )  # fmt: skip
    if screen_changes:
        screen = mf.ScreenFacts(**{**screen.__dict__, **screen_changes})  # type: ignore[arg-type]
    rules = [
        ScheduleRule(2, 2, "Evening", window=DailyWindow.parse("18:00-23:00")),
    ]
    context = ScreenContext(3, "Berlin Kiosk", "Europe/Berlin", 1, "Morning")
    frm, until = window_for(start, 7)
    timeline = resolve(rules, context, frm, until)
    playlists = {
        1: mf.PlaylistFacts(1, "Morning", (_item(1), _item(2, year=None, transition="cut",
                                                               transition_s=0.0))),
        2: mf.PlaylistFacts(2, "Evening", (_item(3, duration_s=12.5),)),
    }  # fmt: skip
    return mf.build_manifest(screen, timeline, playlists, public_base_url="https://art.example/")


def test_equal_playlist_facts_are_one_key_and_their_digest_ignores_the_hash_kept() -> None:
    """Facts name their manifest entry (manifest._ENTRIES): equal facts hash alike however
    often either was hashed before, other facts do not, and the hash they keep appears neither
    in their repr (the publish cache's digests are made of it) nor in their equality."""
    first = mf.PlaylistFacts(1, "Morning", (_item(1), _item(2)))
    assert hash(first) == hash(first)
    equal = mf.PlaylistFacts(1, "Morning", (_item(1), _item(2)))
    longer = mf.PlaylistFacts(1, "Morning", (_item(1), _item(2, duration_s=12.0)))
    assert {first: "entry"}[equal] == "entry"
    assert longer not in {first: "entry"}
    assert repr(first) == repr(equal) == repr(mf.PlaylistFacts(1, "Morning", first.items))
    assert first == equal and first != longer


def test_a_manifest_built_again_carries_its_own_timelines_entries_and_text() -> None:
    """Timelines' entries are made once per process by the timeline's version: the same
    timeline built again, and another window's, each give their own entries, and the signed
    text is the canonical text of the whole payload."""
    screen = mf.ScreenFacts(
        id=3, name="Berlin Kiosk", timezone="Europe/Berlin", width=640, height=360,
        poll_interval=60, poll_token="abcdefghijklmnop_-12", default_playlist_id=1,
    )  # fmt: skip
    rules = [ScheduleRule(2, 2, "Evening", window=DailyWindow.parse("18:00-23:00"))]
    context = ScreenContext(3, "Berlin Kiosk", "Europe/Berlin", 1, "Morning")
    playlists = {
        1: mf.PlaylistFacts(1, "Morning", (_item(1),)),
        2: mf.PlaylistFacts(2, "Evening", (_item(3),)),
    }
    for start in (NOW, NOW, NOW + timedelta(days=1), NOW):
        timeline = resolve(rules, context, *window_for(start, 7))
        numbered = mf.build_numbered(
            screen, timeline, playlists, public_base_url="https://art.example/"
        )
        assert numbered.payload["timeline"] == mf.timeline_entries(timeline)
        assert numbered.text() == canonical_json(numbered.payload)


def test_payload_is_schema_valid_and_shaped_as_documented() -> None:
    payload = _build()
    fmt.validate_payload(payload)
    assert list(fmt.schema_errors(payload)) == []
    assert payload["format"] == "urbanart.manifest" and payload["version"] == 2
    assert payload["sequence"] == 1 and "key_announcement" not in payload
    assert payload["expires"] == "2026-04-11T00:00:00Z"  # the window's end + 7 days
    assert payload["screen"]["orientation"] == "landscape"
    assert payload["window"] == {"from": "2026-03-27T00:00:00Z", "until": "2026-04-04T00:00:00Z"}
    assert payload["hub"]["heartbeat"] == "/api/v1/screens/abcdefghijklmnop_-12/heartbeat"
    assert payload["default_playlist"] == "1" and set(payload["playlists"]) == {"1", "2"}
    first, second = payload["playlists"]["1"]["items"]
    assert first["credit"] == "Work 1 — Ana Roa, 2025" and second["credit"] == "Work 2 — Ana Roa"
    assert first["mobile_url"] == "https://art.example/a/101/"
    # The signed QR code is the code of the signed link, module for module.
    code = segno.make_qr(first["mobile_url"], error="q", boost_error=True)
    width = len(first["qr"])
    decoded = [[bit == "1" for bit in bin(int(row, 16))[2:].zfill(len(row) * 4)[:width]]
               for row in first["qr"]]  # fmt: skip
    assert decoded == [[bool(m) for m in row] for row in code.matrix]
    assert first["transition"] == {"type": "crossfade", "seconds": 1}
    assert payload["playlists"]["1"]["total_seconds"] == 20
    assert payload["playlists"]["2"]["total_seconds"] == 12.5
    assert all(s["start"].endswith("Z") for s in payload["timeline"])
    assert {s["source"] for s in payload["timeline"]} == {"schedule", "default"}
    # A Europe/Berlin 18:00 on 27 March 2026 (CET, before the switch on the 29th) is 17:00 UTC.
    assert payload["timeline"][1]["start"] == "2026-03-27T17:00:00Z"


def test_version_is_the_hash_of_the_rest_and_no_clock_leaks_in() -> None:
    payload = _build()
    rest = {k: v for k, v in payload.items() if k != "manifest_version"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert payload["manifest_version"] == hashlib.sha256(canonical.encode()).hexdigest()
    later_same_day = _build(NOW + timedelta(hours=8))
    assert mf.payload_text(later_same_day) == mf.payload_text(payload)
    next_day = _build(NOW + timedelta(days=1))
    assert next_day["manifest_version"] != payload["manifest_version"]
    renamed = _build(name="Berlin Kiosk 2")
    assert renamed["manifest_version"] != payload["manifest_version"]
    text = mf.payload_text(payload)
    assert "generated" not in text and "15:42" not in text


def test_etag_is_a_quoted_prefix_of_the_file_hash() -> None:
    data = b'{"x":1}'
    assert mf.etag_for(data) == '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def test_schema_refuses_what_a_player_could_not_use() -> None:
    payload = _build()
    broken = json.loads(json.dumps(payload))
    broken["playlists"]["1"]["items"][0]["media"]["url"] = "http://elsewhere/x.jpg"
    del broken["timeline"][0]["end"]
    errors = list(fmt.schema_errors(broken))
    assert len(errors) == 2
    assert fmt.schema()["$id"].startswith("urn:urbanart:")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(st.text(), _JSON, max_size=6),
    first=st.integers(min_value=1, max_value=10**6),
    then=st.integers(min_value=1, max_value=10**6),
)
def test_a_numbered_text_is_the_canonical_text_at_every_sequence(
    fields: dict[str, object], first: int, then: int
) -> None:
    """NumberedText joins fields serialized once; the oracle serializes the whole payload.
    Any keys (escapes, non-ASCII, ones sorting around the numbering's) give the same text."""
    payload = {**fields, "sequence": first, "manifest_version": "x"}
    numbered = mf.NumberedText(payload)
    for sequence in (first, then):
        expected = mf.with_sequence(dict(payload), sequence)
        assert numbered.renumber(sequence) == expected
        assert numbered.text() == mf.payload_text(expected)


def test_a_built_manifest_is_numbered_as_with_sequence_numbers_it() -> None:
    payload = _build(name='Kiosk «Süd» "1"')
    numbered = mf.NumberedText(dict(payload))
    assert numbered.renumber(7) == mf.with_sequence(dict(payload), 7)
    assert numbered.text() == mf.payload_text(numbered.payload)


@settings(max_examples=60, deadline=None)
@given(
    pids=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=4, unique=True),
    titles=st.lists(st.text(max_size=6), min_size=1, max_size=3),
    duration=st.integers(min_value=1, max_value=600),
)
def test_a_built_manifest_is_its_payload_canonical_text_after_any_other_build(
    pids: list[int], titles: list[str], duration: int
) -> None:
    """Playlist entries are made once per process for the same facts (manifest._entry) and the
    payload's text is joined from theirs: it is still the whole payload's canonical text (keys
    sorted as text: "10" before "2"), and facts that differ in anything never get an entry made
    for others."""
    rules = [
        ScheduleRule(
            n, pid, f"P{pid}", window=DailyWindow.parse(f"{2 * n:02d}:00-{2 * n + 1:02d}:00")
        )
        for n, pid in enumerate(pids)
    ]
    context = ScreenContext(3, "Berlin Kiosk", "Europe/Berlin", None, None)
    frm, until = window_for(NOW, 2)
    timeline = resolve(rules, context, frm, until)
    screen = mf.ScreenFacts(3, "Berlin Kiosk", "Europe/Berlin", 640, 360, 60, "abcdefghijklmnop")

    def built(suffix: str, seconds: int) -> mf.NumberedText:
        playlists = {
            pid: mf.PlaylistFacts(
                pid,
                f"P{pid}",
                tuple(
                    _item(pid * 10 + n, title=title + suffix, duration_s=float(seconds))
                    for n, title in enumerate(titles)
                ),
            )
            for pid in pids
        }
        return mf.build_numbered(screen, timeline, playlists, public_base_url="https://art.example")

    for suffix, seconds in (("", duration), ("", duration), ("!", duration), ("", duration + 1)):
        numbered = built(suffix, seconds)
        assert numbered.text() == mf.payload_text(numbered.payload)
        assert set(numbered.payload["playlists"]) == {str(pid) for pid in pids}
        for entry in numbered.payload["playlists"].values():
            assert [i["title"] for i in entry["items"]] == [t + suffix for t in titles]
            assert {i["duration_s"] for i in entry["items"]} == {seconds}
