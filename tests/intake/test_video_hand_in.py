"""Videos through an open call: the same video guard as `urbanart import`, and only where the
call takes videos."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.imaging.video_clips import Clip, write_clip
from tests.intake.conftest import ROOMY, Served, hand_in, make_call, open_form, png_bytes
from urbanart.delivery.server import HubThread
from urbanart.intake import review
from urbanart.library import catalog
from urbanart.library.library import Library


def test_a_handed_in_video_is_guarded_then_accepted_as_a_video_work(
    served: Served, tmp_path: Path
) -> None:
    clip = write_clip(tmp_path / "walk.mp4", Clip(width=64, height=48, frames=12, rotation=90))
    session = requests.Session()
    csrf = open_form(session, served.page)
    page = session.get(served.page, timeout=10).text
    assert 'accept="image/*,video/*"' in page and "a video: MP4" in page
    answer = hand_in(session, served.page, csrf, {"work-0-file": ("walk.mp4", clip.read_bytes())})
    assert answer.status_code == 303, answer.text
    [entry] = review.list_submissions(served.library, served.call.id)
    accepted = review.accept(served.library, entry.id)
    assert accepted.artwork_id is not None
    artwork = catalog.get_artwork(served.library, accepted.artwork_id)
    # The rotated phone clip is a portrait work, as `urbanart import` makes it.
    assert (artwork.kind, artwork.asset.width, artwork.asset.height) == ("video", 48, 64)


def test_a_truncated_video_gets_the_importers_reason_and_leaves_nothing(
    served: Served, tmp_path: Path
) -> None:
    whole = write_clip(tmp_path / "whole.mp4", Clip(frames=24)).read_bytes()
    session = requests.Session()
    csrf = open_form(session, served.page)
    answer = hand_in(
        session, served.page, csrf, {"work-0-file": ("cut.mp4", whole[: len(whole) // 2])}
    )
    assert answer.status_code == 422, answer.status_code
    assert "truncated" in answer.text or "cut short" in answer.text, answer.text[-2000:]
    assert served.uploads() == [] and review.list_submissions(served.library, served.call.id) == []


def test_a_call_for_stills_only_refuses_a_video_and_a_video_call_refuses_a_still(
    library: Library, tmp_path: Path
) -> None:
    clip = write_clip(tmp_path / "walk.mp4", Clip()).read_bytes()
    stills = make_call(library, title="Stills", kinds=("still",))
    videos = make_call(library, title="Videos", kinds=("video",))
    with HubThread(library, intake_rates=ROOMY) as hub:
        base = hub.url.rstrip("/")
        for call, name, data, reason in (
            (stills, "walk.mp4", clip, "a video: this call takes stills only"),
            (videos, "red.png", png_bytes(), "a still: this call takes videos only"),
        ):
            session = requests.Session()
            csrf = open_form(session, base + call.path)
            answer = hand_in(session, base + call.path, csrf, {"work-0-file": (name, data)})
            assert answer.status_code == 422 and reason in answer.text, answer.text[-2000:]
            assert review.list_submissions(library, call.id) == []
