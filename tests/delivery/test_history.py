"""The delivery history: publications newest first with totals, per-screen detail, last pushes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.delivery.conftest import World
from tests.delivery.receivers import checking_receiver, flaky_receiver
from urbanart.curation import screens
from urbanart.delivery.changes import ChangeStatus, DroppedItem, PublicationStatus, ScreenChange
from urbanart.delivery.history import (
    PushRecord,
    get_publication,
    latest_pushes,
    list_publications,
    push_screen_ids,
)
from urbanart.delivery.publisher import PublishCancelled, publish
from urbanart.delivery.push import push
from urbanart.errors import InvalidValue, NotFound
from urbanart.library import catalog
from urbanart.library.library import Library
from urbanart.library.models import Publication

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def test_publications_are_listed_newest_first_with_totals_and_messages(
    world: World, library: Library
) -> None:
    assert list_publications(library) == []
    first = publish(library, now=NOW)
    catalog.edit_artwork(library, world.works["Signal"], status="rejected")  # Morning changes
    second = publish(library, now=NOW + timedelta(hours=1))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(PublishCancelled):
        publish(library, now=NOW + timedelta(hours=2), cancel=cancel)

    cancelled, latest, oldest = list_publications(library)
    assert [r.id for r in (latest, oldest)] == [second.publication_id, first.publication_id]
    assert (oldest.status, oldest.changed) == ("done", True)
    assert (oldest.totals.new, oldest.totals.changed, oldest.screens_changed) == (3, 0, 3)
    assert oldest.message == first.message and oldest.error is None
    assert oldest.started_at == NOW and oldest.finished_at is not None
    # Berlin and Quito play Morning, which lost Signal; Tokyo plays it in the morning too.
    assert latest.totals.changed == second.totals["changed"] >= 2
    assert latest.totals.dropped_items == second.totals["dropped_items"] >= 1
    assert latest.screens_changed == second.totals["changed"] + second.totals["new"]
    assert cancelled.status == "failed" and cancelled.error is not None
    assert "cancelled" in cancelled.message and cancelled.totals.screens_changed == 0
    assert [r.id for r in list_publications(library, limit=1)] == [cancelled.id]
    with pytest.raises(InvalidValue):
        list_publications(library, limit=0)


def test_a_publication_gives_its_per_screen_summary_with_reasons(
    world: World, library: Library
) -> None:
    publish(library, now=NOW)
    catalog.edit_artwork(library, world.works["Signal"], status="rejected")
    result = publish(library, now=NOW + timedelta(hours=1))
    detail = get_publication(library, result.publication_id)
    assert detail.record.id == result.publication_id
    # The same ScreenChange records the publish returned, read back from the log.
    assert detail.screens == result.screens
    berlin = next(s for s in detail.screens if s.screen_id == world.screens["Berlin"])
    assert berlin.status == "changed" and berlin.items_removed == 1
    (dropped,) = berlin.dropped
    assert (dropped.title, dropped.playlist) == ("Signal", "Morning")
    assert dropped.reason.startswith("not approved")
    with pytest.raises(NotFound):
        get_publication(library, 9999)


@pytest.mark.parametrize(
    ("summary", "status"),
    [
        ("{}", "running"),
        ("", "done"),
        ("not json", "failed"),
        ("[1, 2]", "done"),
        ('{"error": "interrupted before it finished"}', "failed"),
        (
            '{"screens": [{"screen": "Old", "status": "new", "dropped": [{"title": "T"}]}, 7]}',
            "done",
        ),
        ('{"totals": {"new": "2", "changed": -1, "removed": null}, "screens": "x"}', "done"),
    ],
)
def test_old_empty_and_damaged_summaries_still_give_records(
    library: Library, summary: str, status: str
) -> None:
    with library.session() as session:
        row = Publication(status=status, started_at=NOW, summary=summary)
        session.add(row)
        session.flush()
        publication_id = row.id
    (record,) = list_publications(library)
    assert record.id == publication_id and record.status == status and record.message
    detail = get_publication(library, publication_id)
    if "Old" in summary:
        assert record.totals.new == 1 and record.totals.dropped_items == 1
        (screen,) = detail.screens
        assert (screen.screen, screen.status, screen.dropped[0].title) == ("Old", "new", "T")
    if '"2"' in summary:
        assert (record.totals.new, record.totals.changed, record.totals.removed) == (2, 0, 0)
        assert detail.screens == ()
    if "interrupted" in summary:
        assert record.error == record.message == "interrupted before it finished"
    json.dumps(detail.to_json())  # every record serialises


#: A summary as publish wrote it before ScreenChange and ScreenSummary became one type (status
#: and dropped items as plain JSON), kept verbatim so such rows keep loading.
OLD_SUMMARY = json.dumps({
    "publication_id": 7, "dry_run": False, "changed": True,
    "message": "Published: 0 new, 1 changed, 0 unchanged, 1 removed screen(s); 1 item(s) left out"
               " (not approved or no media).",
    "release": "/lib/published/releases/0007", "window": {"from": "2025-01-01T00:00:00Z",
                                                          "until": "2025-01-08T00:00:00Z"},
    "totals": {"new": 0, "changed": 1, "unchanged": 0, "removed": 1, "dropped_items": 1},
    "media": {"written": 1, "removed": 0, "waiting_grace": 0}, "files": {"linked": 3, "written": 2},
    "screens": [
        {"screen_id": 2, "screen": "Berlin", "status": "changed", "old_version": "a" * 64,
         "new_version": "b" * 64, "items_added": 0, "items_removed": 1,
         "dropped": [{"playlist_id": 1, "playlist": "Morning", "item_id": 3, "artwork_id": 4,
                      "title": "Signal", "reason": "not approved (status: rejected)"}],
         "warnings": ["no default playlist"]},
        {"screen_id": 5, "screen": "Gone", "status": "removed", "old_version": "c" * 64,
         "new_version": None, "items_added": 0, "items_removed": 2, "dropped": [],
         "warnings": []},
    ],
    "warnings": [],
})  # fmt: skip


def test_a_history_row_written_in_the_old_shape_loads_as_typed_changes(library: Library) -> None:
    with library.session() as session:
        row = Publication(
            status="done", started_at=NOW, finished_at=NOW + timedelta(seconds=3),
            summary=OLD_SUMMARY,
        )  # fmt: skip
        session.add(row)
        session.flush()
        publication_id = row.id
    detail = get_publication(library, publication_id)
    assert detail.record.status is PublicationStatus.DONE
    assert (detail.record.totals.changed, detail.record.totals.removed) == (1, 1)
    assert detail.record.finished_at - detail.record.started_at == timedelta(seconds=3)
    berlin, gone = detail.screens
    assert berlin == ScreenChange(
        screen_id=2, screen="Berlin", status=ChangeStatus.CHANGED, old_version="a" * 64,
        new_version="b" * 64, items_added=0, items_removed=1,
        dropped=(DroppedItem(1, "Morning", 3, 4, "Signal", "not approved (status: rejected)"),),
        warnings=("no default playlist",),
    )  # fmt: skip
    assert berlin.gets_manifest and not gone.gets_manifest
    assert gone.status is ChangeStatus.REMOVED and gone.new_version is None
    # What publish writes today reads back the same way: the stored shape did not change.
    stored = json.loads(OLD_SUMMARY)["screens"]
    assert [c.to_json() for c in detail.screens] == stored


def test_latest_pushes_gives_each_screens_last_outcome(world: World, library: Library) -> None:
    quito, berlin = world.screens["Quito"], world.screens["Berlin"]
    assert push_screen_ids(library) == frozenset()
    publish(library)
    with flaky_receiver(failures=0) as good:
        screens.edit_screen(library, quito, push_url=good.url, push_secret="s" * 32)
        assert push_screen_ids(library) == {quito}
        (first,) = push(library, timeout=2.0)
    assert first.ok and latest_pushes(library) == {quito: PushRecord.of(first)}
    with checking_receiver("another secret") as refusing:
        screens.edit_screen(library, quito, push_url=refusing.url)
        screens.edit_screen(library, berlin, push_url=refusing.url, push_secret="s" * 32)
        outcomes = push(library, timeout=2.0, retries=0)
    last = latest_pushes(library)
    assert set(last) == {quito, berlin} == push_screen_ids(library)
    assert last == {o.screen_id: PushRecord.of(o) for o in outcomes}
    assert not last[quito].ok and last[quito].error == "the screen answered HTTP 401"
    assert last[quito].seconds is not None and last[quito].seconds >= 0
    assert set(latest_pushes(library, [berlin])) == {berlin}
    assert latest_pushes(library, []) == {}
