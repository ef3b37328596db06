"""Publishing a live work: manifest v3 names its feed and this screen's profile, `media` is its
still fallback, and the profiles the screens need reach the frame pipeline (and the hub)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from tests.delivery.conftest import World
from tests.delivery.hub_fixtures import running_hub
from tests.delivery.test_publish import manifests
from tests.library.live_world import frame_jpeg
from urbanart.curation import playlists, screens
from urbanart.delivery.publisher import publish, screen_profile
from urbanart.delivery.signing import signing_key
from urbanart.library import catalog
from urbanart.library.library import Library, current_tree
from urbanart.live.client import LiveSource, send_frame
from urbanart.live.frames import accept_frame, feed_document
from urbanart.live.works import add_live_work, live_state
from urbanart.protocol.live_feed import feed_path, verify_feed
from urbanart.protocol.manifest_format import validate_payload

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def test_a_live_item_names_its_feed_and_the_screens_profile_and_falls_back_to_its_still(
    library: Library, world: World
) -> None:
    live = add_live_work(library, "Pulse", "Ada", interval_s=5)
    hidden = add_live_work(library, "Unplayed", "Bo", interval_s=5)
    catalog.edit_artwork(library, live.artwork_id, status="approved")
    reel = playlists.create_playlist(library, "Live reel")
    playlists.add_items(library, reel.id, [world.works["Red Harbour"], live.artwork_id])
    wide = screens.add_screen(
        library, "Wide", tz="Europe/Lisbon", size="320x180", default_playlist=reel.id
    )
    tall = screens.add_screen(
        library, "Tall", tz="Europe/Lisbon", size="180x320", default_playlist=reel.id
    )
    publish(library, now=NOW)
    published = manifests(library)
    keys = set()
    for screen_id, size in ((wide.id, (320, 180)), (tall.id, (180, 320))):
        payload = published[screen_id][1]
        validate_payload(payload)
        assert payload["version"] == 3
        still, item = payload["playlists"][str(reel.id)]["items"]
        assert still["media_type"] == "image"
        assert item["media_type"] == "live"
        profile = screen_profile(*size).key()
        keys.add(profile)
        assert item["live"] == {
            "feed_url": feed_path(live.feed_id),
            "profile": profile,
            "interval_s": 5,
            "silence_s": 30,
        }
        # the still fallback is published like any still, at the screen's size
        assert (item["media"]["width"], item["media"]["height"]) == size
        assert (current_tree(library) / item["media"]["url"].lstrip("/")).is_file()
    assert set(live_state(library, live.live_work_id).profiles) == keys
    assert live_state(library, hidden.live_work_id).profiles == ()
    # stills-only screens are untouched by the live work
    assert (
        "media_type"
        not in published[world.screens["Berlin"]][1]["playlists"][str(world.playlists["Morning"])][
            "items"
        ][0]
    )

    with running_hub(library) as hub:
        base = hub.url.rstrip("/")
        send_frame(LiveSource(base, live.token, live.secret), frame_jpeg(1))
        document = requests.get(base + feed_path(live.feed_id), timeout=10).content
        payload = verify_feed(document, signing_key(library.home).public_key)
        assert set(payload["frames"]) == keys
        for key in keys:
            frame = payload["frames"][key]
            size = (frame["width"], frame["height"])
            assert size in ((320, 180), (180, 320))
            assert requests.get(base + frame["url"], timeout=10).status_code == 200
        # a work no manifest shows still takes frames: a thumbnail for the studio only
        send_frame(LiveSource(base, hidden.token, hidden.secret), frame_jpeg(2))
        hidden_feed = requests.get(base + feed_path(hidden.feed_id), timeout=10).content
        assert verify_feed(hidden_feed, signing_key(library.home).public_key)["frames"] == {}
        assert live_state(library, hidden.live_work_id).latest_thumbnail_key is not None

    # taken out of every playlist: the next publish records that no screen needs its frames
    playlists.remove_item(library, reel.id, 2)
    publish(library, now=NOW)
    assert live_state(library, live.live_work_id).profiles == ()


def test_a_publish_renders_the_newest_frame_for_screens_it_adds_without_waiting(
    library: Library, world: World
) -> None:
    live = add_live_work(library, "Hourly", "Ada", interval_s=3600)
    catalog.edit_artwork(library, live.artwork_id, status="approved")
    key = signing_key(library.home)
    accept_frame(library, live.live_work_id, frame_jpeg(3), key=key.private_key)
    before = verify_feed(feed_document(library, live.live_work_id) or b"", key.public_key)
    assert before["sequence"] == 1 and before["frames"] == {}
    reel = playlists.create_playlist(library, "Hourly reel")
    playlists.add_items(library, reel.id, [live.artwork_id])
    screens.add_screen(
        library, "Wide", tz="Europe/Lisbon", size="320x180", default_playlist=reel.id
    )
    publish(library, now=NOW)
    after = verify_feed(feed_document(library, live.live_work_id) or b"", key.public_key)
    profile = screen_profile(320, 180).key()
    assert after["sequence"] == 1 and set(after["frames"]) == {profile}
    assert (after["frames"][profile]["width"], after["frames"][profile]["height"]) == (320, 180)
    assert after["time"] == before["time"]
