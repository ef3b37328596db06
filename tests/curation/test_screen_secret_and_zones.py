"""Engine helpers the studio's Screens view needs: the zone list and the push secret, once."""

from __future__ import annotations

import pytest

from urbanart.curation import screens
from urbanart.library.library import Library


@pytest.mark.no_database
def test_zone_choices_are_exactly_what_saving_accepts() -> None:
    choices = screens.timezone_choices()
    assert choices == sorted(choices)
    assert {"Asia/Tokyo", "America/Sao_Paulo", "Europe/Berlin"} <= set(choices)
    assert not [z for z in choices if z.startswith(("posix/", "right/")) or z == "localtime"]
    assert all(screens.clean_timezone(z) == z for z in choices[::25])


def test_push_secret_is_generated_with_a_push_url_and_revealed(library: Library) -> None:
    plain = screens.add_screen(library, "Plain", tz="Europe/Berlin", size="1920x1080")
    assert screens.reveal_push_secret(library, plain.id) is None
    pushed = screens.add_screen(
        library, "Pushed", tz="Asia/Tokyo", size="1080x1920", push_url="https://p.example/push"
    )
    secret = screens.reveal_push_secret(library, pushed.id)
    assert secret and len(secret) >= 32
    assert secret not in repr(pushed) and "push_secret" not in pushed.to_json()
    screens.edit_screen(library, pushed.id, push_url="")
    assert screens.reveal_push_secret(library, "Pushed") is None
