"""The Publish view's wording, as plain functions: no QApplication, no library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ui.views.publish.formatting import (
    Look,
    Op,
    delivery_notes,
    failed_push_ids,
    publish_reason,
    publish_stage_text,
    published_summary,
    pushed_again_notice,
)
from urbanart.delivery.changes import ChangeStatus, ScreenChange
from urbanart.delivery.history import PushRecord
from urbanart.delivery.publisher import PublishResult
from urbanart.delivery.workflow import Delivery, PushSkip, Stage

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def push_record(screen_id: int, ok: bool) -> PushRecord:
    return PushRecord(screen_id, "v2", ok, 200 if ok else 503, 1, None if ok else "busy", NOW, NOW)


def change(screen_id: int, status: ChangeStatus) -> ScreenChange:
    return ScreenChange(screen_id, f"Screen {screen_id}", status, "v1", "v2", 1, 0)


def result(*screens: ScreenChange, warnings: tuple[str, ...] = ()) -> PublishResult:
    return PublishResult(
        publication_id=7,
        dry_run=False,
        changed=True,
        release=None,
        window_from=NOW,
        window_until=NOW + timedelta(days=7),
        screens=screens,
        warnings=warnings,
    )


def test_a_publish_summary_counts_the_pushes_that_failed() -> None:
    pushed = [push_record(1, True), push_record(2, False), push_record(3, True)]
    text = published_summary("Published 3 screens.", pushed)
    assert text == "Published 3 screens. Pushed to 3 screens: 2 ok, 1 failed."


def test_a_publish_summary_without_pushes_is_the_engine_message_alone() -> None:
    assert published_summary("Nothing changed.", []) == "Nothing changed."


def test_one_pushed_screen_is_singular() -> None:
    assert "Pushed to 1 screen: 1 ok, 0 failed." in published_summary(
        "Done.", [push_record(1, True)]
    )


def test_cancelled_pushes_and_a_push_error_each_get_a_note_after_the_warnings() -> None:
    delivery = Delivery(
        result(warnings=("Screen 4 has nothing scheduled.",)),
        due=(1,),
        skipped=PushSkip.CANCELLED,
        push_error="the hub is not running",
    )
    lines = delivery_notes(delivery).splitlines()
    assert lines[0] == "Screen 4 has nothing scheduled."
    assert "skipped because you cancelled" in lines[1]
    assert lines[2] == "No screen was pushed: the hub is not running"


def test_pushing_again_reads_as_a_change_only_while_a_screen_still_fails() -> None:
    text, look = pushed_again_notice([push_record(1, True), push_record(2, False)])
    assert text.startswith("Pushed again: 1 ok, 1 failed.") and "next poll" in text
    assert look is Look.CHANGED
    text, look = pushed_again_notice([push_record(1, True)])
    assert text == "Pushed again: 1 ok, 0 failed." and look is Look.PLAIN


def test_only_listed_pushable_screens_whose_push_failed_are_retried() -> None:
    screens = [
        change(1, ChangeStatus.CHANGED),
        change(2, ChangeStatus.REMOVED),
        change(3, ChangeStatus.NEW),
    ]
    pushes = {
        1: push_record(1, False),
        2: push_record(2, False),
        3: push_record(3, False),
        4: push_record(4, False),
    }
    assert failed_push_ids(screens, pushes, frozenset({1, 2, 4})) == [1]
    pushes[1] = push_record(1, True)
    assert failed_push_ids(screens, pushes, frozenset({1, 3})) == [3]


def test_the_publish_button_says_why_it_waits() -> None:
    assert "every screen already has" in publish_reason(None, False)
    assert publish_reason(None, None).startswith("Not checked yet")
    assert "stop it" in publish_reason(Op.CHECK, True)
    assert publish_reason(Op.PUSH, None) == "Pushing…"


def test_pushing_and_planning_stages_have_no_count() -> None:
    assert publish_stage_text(Stage.PREPARING, 5, "Lobby") == (True, "Preparing Lobby")
    assert publish_stage_text(Stage.PUSHING, 1, "") == (False, "Pushing to 1 screen")
    assert publish_stage_text(Stage.PLANNING, 0, "")[0] is False
