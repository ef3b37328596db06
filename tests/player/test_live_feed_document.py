"""The live feed document (urbanart.protocol.live_feed): what a screen accepts and refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from urbanart.protocol.envelope import SignatureInvalid
from urbanart.protocol.live_feed import (
    feed_payload,
    frame_for,
    frame_url,
    generative_seed,
    is_silent,
    sign_feed,
    verify_feed,
    work_frame,
)

FEED = "f" * 20
SHA = "ab" * 32
AT = datetime(2026, 11, 26, 14, 0, 5, tzinfo=UTC)


def _payload(sequence: int = 3, at: datetime = AT) -> dict[str, object]:
    frame = {"url": frame_url(FEED, SHA), "sha256": SHA, "size": 10, "width": 4, "height": 2}
    return feed_payload(FEED, sequence, at, interval_s=5, silence_s=30, frames={"p": frame})


def test_a_genuine_feed_verifies_and_names_its_frame() -> None:
    key = Ed25519PrivateKey.generate()
    payload = verify_feed(sign_feed(key, _payload()), key.public_key(), feed_id=FEED)
    assert payload["sequence"] == 3
    assert frame_for(payload, "p") == payload["frames"]["p"]
    assert frame_for(payload, "other") is None


def test_forged_altered_foreign_and_backward_feeds_are_refused() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    document = sign_feed(key, _payload(sequence=7))
    with pytest.raises(SignatureInvalid, match="signed by key"):
        verify_feed(sign_feed(other, _payload()), key.public_key())
    envelope = json.loads(document)
    envelope["payload"] = envelope["payload"].replace('"sequence":7', '"sequence":9')
    with pytest.raises(SignatureInvalid, match="altered"):
        verify_feed(json.dumps(envelope), key.public_key())
    with pytest.raises(SignatureInvalid, match="not 'g"):
        verify_feed(document, key.public_key(), feed_id="g" * 20)
    with pytest.raises(SignatureInvalid, match="backwards: sequence 7 after 8"):
        verify_feed(document, key.public_key(), after_sequence=8)
    assert verify_feed(document, key.public_key(), after_sequence=7)["sequence"] == 7


def test_a_feed_falls_silent_after_its_silence_window() -> None:
    payload = _payload()
    assert not is_silent(payload, AT + timedelta(seconds=30))
    assert is_silent(payload, AT + timedelta(seconds=31))
    waiting = feed_payload(FEED, 0, AT, interval_s=5, silence_s=30, frames={})
    assert is_silent(waiting, AT)


def test_a_generative_seed_is_the_same_for_a_slot_and_differs_between_slots() -> None:
    assert generative_seed(4, AT) == generative_seed(4, AT)
    assert generative_seed(4, AT) != generative_seed(5, AT)
    assert generative_seed(4, AT) != generative_seed(4, AT + timedelta(seconds=1))


def test_the_work_itself_is_shown_by_the_rendition_closest_to_the_source_shape() -> None:
    def frame(w: int, h: int) -> dict[str, object]:
        return {
            "url": f"/live/{FEED}/{w}x{h}.jpg",
            "sha256": SHA,
            "size": 1,
            "width": w,
            "height": h,
        }

    frames = {
        "portrait": frame(1080, 1920),
        "landscape": frame(1280, 720),
        "big": frame(2160, 3840),
    }
    assert work_frame(frames, (3000, 2000)) == frames["landscape"]  # not the larger portrait ones
    assert work_frame(frames, (1000, 1800)) == frames["big"]  # equal shapes: the largest
    assert work_frame(frames, None) == frames["big"]  # no source size: the largest
    assert work_frame({}, (3000, 2000)) is None
