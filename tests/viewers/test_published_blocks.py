"""What the pages take from the manifests as a whole, joined from blocks of screens kept in
process (site._published, site._whats_on_text), is what one pass over every screen finds."""

from __future__ import annotations

from typing import Any

import pytest

from urbanart.memo import Recent
from urbanart.viewers import site
from urbanart.viewers.page_units import stable
from urbanart.viewers.site import (
    _distinct_playlists,
    _page_lives,
    _page_videos,
    _published,
    _published_items,
    _whats_on,
    _whats_on_text,
)


def item(aid: int, **extra: Any) -> dict[str, Any]:
    return {"artwork_id": aid, "duration_s": 10.0, "media_type": "image", **extra}


def video(aid: int, width: int, height: int, url: str) -> dict[str, Any]:
    facts = {"url": url, "width": width, "height": height, "duration_s": 5.0}
    return item(aid, media_type="video", video=facts)


def live(aid: int, profile: str) -> dict[str, Any]:
    feed = {"feed_url": f"/live/{aid}.json", "profile": profile, "interval_s": 10}
    return item(aid, media_type="live", live=feed)


def entry(name: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "items": list(items)}


SHARED = entry("Everywhere", item(1), item(2))


def screen(sid: int) -> dict[str, Any]:
    """Screen sid's payload: a shared entry, one of its own, and on some screens a video (of
    equal size on screens 3 and 20, larger on 30) or a live work (its profile by screen)."""
    own = [item(3 + sid % 4)]
    if sid in (3, 20):
        own.append(video(9, 640, 360, f"/media/{sid}.mp4"))
    if sid == 30:
        own.append(video(9, 1280, 720, "/media/30.mp4"))
    if sid in (5, 25):
        own.append(live(8, f"profile-{sid}"))
    # Playlist 4's entry differs between screens: its first met (screen 1) is the page's.
    lists = {"10": SHARED, str(4 + sid % 2): entry(f"Own {sid}", *own)}
    return {"screen": {"id": sid}, "playlists": lists}


def one_pass(payloads: dict[int, dict[str, Any]]) -> tuple[dict[int, Any], ...]:
    """The pass over every screen, in id order, that build_viewers made before blocks."""
    distinct, playlists = _distinct_playlists([payloads[sid] for sid in sorted(payloads)])
    return (
        playlists,
        _published_items(distinct),
        _page_videos(distinct),
        _page_lives(distinct),
    )


def assert_same(payloads: dict[int, dict[str, Any]]) -> None:
    joined = _published(payloads)
    playlists, items, videos, lives = one_pass(payloads)
    # The very objects: the first met is the page's (a later equal one is another object).
    assert {k: id(v) for k, v in joined.playlists.items()} == {
        k: id(v) for k, v in playlists.items()
    }
    assert {k: id(v) for k, v in joined.items.items()} == {k: id(v) for k, v in items.items()}
    assert {k: id(v) for k, v in joined.videos.items()} == {k: id(v) for k, v in videos.items()}
    assert joined.lives == lives


def test_the_joined_blocks_are_one_pass_over_every_screen_after_each_edit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first entry and item met, the largest video (the first of equal ones) and the first
    live feed are those of one pass over every screen, before and after edits that swap some
    screens' payloads for new objects (kept blocks are the others')."""
    monkeypatch.setattr(site, "_BLOCKS_PUBLISHED", Recent(1024))
    payloads = {sid: screen(sid) for sid in range(1, 41)}
    assert_same(payloads)
    assert _published(payloads).videos[9]["url"] == "/media/30.mp4"
    assert _published(payloads).lives[8]["profile"] == "profile-5"
    edited = dict(payloads)
    edited[30] = {**screen(30), "playlists": {"10": SHARED}}  # its larger video is gone
    edited[5] = {**screen(5), "playlists": {"10": entry("Moved", item(2), item(1))}}
    del edited[1]  # playlist 5's first entry is now screen 3's
    edited[44] = screen(44)
    assert_same(edited)
    assert _published(edited).videos[9]["url"] == "/media/3.mp4"
    assert _published(edited).lives[8]["profile"] == "profile-25"
    assert_same(payloads)  # and back: the blocks kept from the first publish


def test_the_home_pages_key_joined_from_blocks_is_the_whats_on_written_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The front unit's key text is stable(_whats_on()) to the byte, before and after a
    rename (a new payload object), a move to another city, a screen gone and one added."""
    monkeypatch.setattr(site, "_BLOCKS_LISTED", Recent(1024))
    payloads: dict[int, dict[str, Any]] = {
        sid: {"screen": {"id": sid, "name": f'Kiosk "{sid}" </script> ü'}} for sid in range(1, 30)
    }
    cities = {sid: ("Lisboa", "東京", "")[sid % 3] for sid in payloads if sid != 4}
    playlists = {3: {"name": "Three"}, 12: {"name": "Twelve \u2028"}}

    def assert_same() -> None:
        whole = stable(_whats_on(payloads, playlists, cities))
        assert _whats_on_text(payloads, playlists, cities) == whole

    assert_same()
    payloads[9] = {"screen": {"id": 9, "name": "Renamed"}}
    assert_same()
    cities[17] = "Porto"
    assert_same()
    del payloads[20]
    payloads[31] = {"screen": {"id": 31, "name": "New"}}
    assert_same()
    assert _whats_on_text({}, {}, {}) == stable(_whats_on({}, {}, {}))
