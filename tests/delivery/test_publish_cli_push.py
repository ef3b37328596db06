"""`urbanart publish` pushes changed screens (through publish_and_deliver); --no-push does not."""

from __future__ import annotations

from tests.delivery.conftest import World
from tests.delivery.receivers import checking_receiver
from urbanart.curation import playlists, screens
from urbanart.library.library import Library

SECRET = "cli-push-secret-0123456789abcdef-xyz"


def test_urbanart_publish_pushes_changed_screens_and_no_push_does_not(
    library: Library, world: World, run_cli
) -> None:
    with checking_receiver(SECRET) as receiver:
        quito = world.screens["Quito"]
        screens.edit_screen(library, quito, push_url=receiver.url, push_secret=SECRET)

        first = run_cli("publish")
        assert first.exit_code == 0, first.stderr
        assert [r.status for r in receiver.requests] == [200]
        assert "Pushed to 1 screen: 1 ok, 0 failed." in first.stdout
        quito_row = next(line for line in first.stdout.splitlines() if "Quito Wall" in line)
        assert "ok" in quito_row
        tokyo_row = next(line for line in first.stdout.splitlines() if "Tokyo Tower" in line)
        assert "polls" in tokyo_row  # new, but no push URL: it gets it when it polls

        playlists.add_items(library, world.playlists["Evening"], [world.works["Red Harbour"]])
        quiet = run_cli("publish", "--no-push", "--json")
        assert quiet.exit_code == 0, quiet.stderr
        report = quiet.json()
        assert report["totals"]["changed"] == 2  # Tokyo and Quito
        assert report["push"] == {
            "due": [quito],
            "skipped": "not asked",
            "error": None,
            "outcomes": [],
        }
        assert len(receiver.requests) == 1  # still only the first push

        playlists.add_items(library, world.playlists["Evening"], [world.works["Blue Hour"]])
        loud = run_cli("publish", "--json")
        assert loud.exit_code == 0, loud.stderr
        (outcome,) = loud.json()["push"]["outcomes"]
        assert outcome["screen_id"] == quito and outcome["ok"] and outcome["http_status"] == 200
        assert outcome["manifest_version"] == next(
            s["new_version"] for s in loud.json()["screens"] if s["screen_id"] == quito
        )
        assert [r.status for r in receiver.requests] == [200, 200]
        assert "Pushed to 1 screen" in loud.json()["message"]
