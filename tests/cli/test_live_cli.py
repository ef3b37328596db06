"""`urbanart live`: add (token and secret shown once), list, send and run against a real hub,
keep and remove; a refused frame exits non-zero with the hub's reason."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.hub_fixtures import running_hub
from tests.library.live_world import frame_jpeg, truncated
from urbanart.delivery.server import HubThread
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library
from urbanart.live.works import live_state

GENERATOR = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from PIL import Image

    out = Path(os.environ["URBANART_LIVE_OUT"])
    assert str(out) == sys.argv[1]  # {out} in the arguments is the same folder
    for number in range(int(sys.argv[2])):
        tmp = out / f".frame-{number}.png"
        Image.new("RGB", (64, 48), (number * 60 % 256, 90, 200)).save(tmp)
        tmp.rename(out / f"frame-{number}.png")
    if len(sys.argv) > 3:
        (out / "broken.jpg").write_bytes(b"this is text, not a picture")
    """
)


@pytest.fixture
def hub(library: Library) -> Iterator[HubThread]:
    with running_hub(library) as running:
        yield running


def add(run_cli, *args: str) -> dict:
    result = run_cli(
        "live", "add", "Collage", "--artist", "Ada", "--interval", "1s", "--json", *args
    )
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_add_prints_the_token_and_secret_once_and_list_never_shows_them(run_cli) -> None:
    new = add(run_cli, "--retention", "10m", "--no-keep")
    assert set(new) >= {"live_work_id", "artwork_id", "token", "secret", "feed_url"}
    listed = run_cli("live", "list", "--json")
    assert listed.exit_code == 0
    (work,) = listed.json()
    assert work["live_work_id"] == new["live_work_id"] and work["retention"] == "10m"
    assert work["allow_keep"] is False and work["silent"] is True
    assert new["secret"] not in listed.stdout and new["token"] not in listed.stdout
    text = run_cli("live", "add", "Second", "--artist", "Bo", "--interval", "5s")
    assert text.exit_code == 0 and "secret:" in text.stdout and "not shown again" in text.stdout
    table = run_cli("live", "list")
    assert "Collage" in table.stdout and "Second" in table.stdout


def test_add_refuses_a_bad_interval_by_name(run_cli) -> None:
    result = run_cli("live", "add", "Bad", "--artist", "Ada", "--interval", "soon")
    assert result.exit_code == 2 and "--interval" in result.stderr
    assert run_cli("live", "list", "--json").json() == []


def test_send_posts_a_frame_and_a_refusal_exits_with_the_hubs_reason(
    run_cli, hub: HubThread, library: Library, tmp_path: Path
) -> None:
    new = add(run_cli)
    frame = tmp_path / "frame.jpg"
    frame.write_bytes(frame_jpeg(1))
    # beside the library: the secret comes from it
    sent = run_cli("live", "send", new["token"], str(frame), "--hub", hub.url, "--json")
    assert sent.exit_code == 0, sent.stderr
    assert sent.json()["sequence"] == 1
    forged = run_cli(
        "live", "send", new["token"], str(frame), "--hub", hub.url, "--secret", "wrong"
    )
    assert forged.exit_code == 1 and "does not match" in forged.stderr
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(truncated(frame_jpeg(2)))
    refused = run_cli("live", "send", new["token"], str(broken), "--hub", hub.url)
    assert refused.exit_code == 1 and "422" in refused.stderr and "truncated" in refused.stderr
    state = live_state(library, new["live_work_id"])
    assert (state.frames_received, state.frames_refused) == (1, 2)


def test_run_sends_every_image_the_generator_writes_then_deletes_it(
    run_cli, hub: HubThread, library: Library, tmp_path: Path
) -> None:
    new = add(run_cli)
    script = tmp_path / "generator.py"
    script.write_text(GENERATOR)
    out = tmp_path / "frames"
    result = run_cli(
        "live", "run", new["token"], "--hub", hub.url, "--out", str(out),
        "--", sys.executable, str(script), "{out}", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert live_state(library, new["live_work_id"]).frames_received == 3
    assert list(out.iterdir()) == []
    refused = run_cli(
        "live", "run", new["token"], "--hub", hub.url, "--out", str(out),
        "--", sys.executable, str(script), "{out}", "0", "broken",
    )  # fmt: skip
    assert refused.exit_code == 1 and "not an image" in refused.stderr
    assert live_state(library, new["live_work_id"]).frames_refused == 1


def test_keep_and_remove_by_title(
    run_cli, hub: HubThread, library: Library, tmp_path: Path
) -> None:
    new = add(run_cli, "--retention", "5")
    frame = tmp_path / "frame.jpg"
    for number in range(2):
        frame.write_bytes(frame_jpeg(number))
        assert run_cli("live", "send", new["token"], str(frame), "--hub", hub.url).exit_code == 0
    kept = run_cli("live", "keep", "Collage", "--sequence", "1", "--json")
    assert kept.exit_code == 0, kept.stderr
    artwork = get_artwork(library, kept.json()["artwork_id"])
    assert (artwork.title, artwork.artist_name) == ("Collage #1", "Ada")
    missing = run_cli("live", "keep", "Collage", "--sequence", "7")
    assert missing.exit_code == 1 and "no frame 7" in missing.stderr
    assert run_cli("live", "remove", "Collage").exit_code == 0
    assert json.loads(run_cli("live", "list", "--json").stdout) == []
    assert get_artwork(library, artwork.id).title == "Collage #1"
