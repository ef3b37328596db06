"""publish_and_deliver against real receivers on 127.0.0.1: one workflow for every "Publish"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from sqlalchemy import inspect, select

from tests.delivery.conftest import World
from tests.delivery.receivers import Receiver, checking_receiver
from tests.delivery.test_jobs import _run_until, job_ids
from urbanart.curation import playlists, screens
from urbanart.delivery import jobs
from urbanart.delivery.publisher import PublishCancelled
from urbanart.delivery.workflow import PushSkip, Stage, publish_and_deliver
from urbanart.library.library import Library, current_tree
from urbanart.library.models import Publication, PushDelivery
from urbanart.protocol.push_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_push

BERLIN_SECRET = "berlin-push-secret-0123456789-abcdefgh"
QUITO_SECRET = "quito-push-secret-9876543210-hgfedcba"


@pytest.fixture
def receivers(world: World) -> Iterator[tuple[World, Receiver, Receiver]]:
    """The delivery world with Berlin and Quito pushed to real, signature-checking receivers."""
    library = world.library
    with ExitStack() as stack:
        berlin = stack.enter_context(checking_receiver(BERLIN_SECRET))
        quito = stack.enter_context(checking_receiver(QUITO_SECRET))
        for name, receiver, secret in (
            ("Berlin", berlin, BERLIN_SECRET),
            ("Quito", quito, QUITO_SECRET),
        ):
            screens.edit_screen(
                library, world.screens[name], push_url=receiver.url, push_secret=secret
            )
        yield world, berlin, quito


def served_manifest(library: Library, world: World, name: str) -> bytes:
    token = screens.get_screen(library, world.screens[name]).poll_token
    return (current_tree(library) / "screens" / token / "manifest.json").read_bytes()


def push_log(library: Library) -> list[tuple[int, bool]]:
    with library.session() as session:
        rows = session.scalars(select(PushDelivery).order_by(PushDelivery.id))
        return [(row.screen_id, row.ok) for row in rows]


def make_job_store(library: Library) -> None:
    scheduler = jobs.make_scheduler(library, start_paused=True)
    scheduler.shutdown(wait=False)


def test_changed_push_screens_are_pushed_and_unchanged_ones_are_not(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    world, berlin, quito = receivers
    first = publish_and_deliver(library)
    assert first.result.changed and first.skipped is None and first.push_error is None
    assert first.due == tuple(sorted((world.screens["Berlin"], world.screens["Quito"])))
    assert [o.ok for o in first.pushes] == [True, True]
    for name, receiver, secret in (
        ("Berlin", berlin, BERLIN_SECRET),
        ("Quito", quito, QUITO_SECRET),
    ):
        (sent,) = receiver.requests
        assert sent.status == 200
        assert sent.body == served_manifest(library, world, name)
        assert verify_push(
            secret, sent.headers[TIMESTAMP_HEADER], sent.headers[SIGNATURE_HEADER], sent.body
        )

    # Evening plays on Tokyo and Quito only: Berlin's manifest stays as it was.
    playlists.add_items(library, world.playlists["Evening"], [world.works["Red Harbour"]])
    second = publish_and_deliver(library)
    status = {c.screen_id: c.status for c in second.result.screens}
    assert status[world.screens["Berlin"]] == "unchanged"
    assert status[world.screens["Quito"]] == "changed"
    assert second.due == (world.screens["Quito"],)  # Tokyo changed too, but has no push URL
    assert [o.screen_id for o in second.pushes] == [world.screens["Quito"]]
    assert second.push_for(world.screens["Berlin"]) is None
    assert len(berlin.requests) == 1
    assert len(quito.requests) == 2
    assert quito.requests[-1].body == served_manifest(library, world, "Quito")
    assert "Pushed to 1 screen: 1 ok, 0 failed." in second.message
    assert push_log(library)[-1] == (world.screens["Quito"], True)

    third = publish_and_deliver(library)  # nothing changed: nobody is nudged
    assert not third.result.changed and third.due == () and third.pushes == ()
    assert len(quito.requests) == 2 and len(berlin.requests) == 1


def test_push_false_publishes_and_pushes_nothing(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    world, berlin, quito = receivers
    delivery = publish_and_deliver(library, push=False)
    assert delivery.result.changed and delivery.result.release is not None
    assert served_manifest(library, world, "Quito")  # published all the same
    assert delivery.skipped is PushSkip.NOT_ASKED and delivery.pushes == ()
    assert set(delivery.due) == {world.screens["Berlin"], world.screens["Quito"]}
    assert berlin.requests == [] and quito.requests == []
    assert push_log(library) == []
    assert delivery.to_json()["push"]["skipped"] == "not asked"


def test_a_dry_run_names_the_screens_it_would_push_and_pushes_none(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    world, berlin, quito = receivers
    make_job_store(library)
    delivery = publish_and_deliver(library, dry_run=True)
    assert delivery.skipped is PushSkip.DRY_RUN and delivery.repushes is None
    assert set(delivery.due) == {world.screens["Berlin"], world.screens["Quito"]}
    assert berlin.requests == [] and quito.requests == []
    assert not [j for j in job_ids(library) if j.startswith("repush-")]


def test_the_repush_plan_is_made_only_when_a_job_store_exists(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    world, _berlin, _quito = receivers
    without = publish_and_deliver(library)
    assert without.repushes is None
    assert not inspect(library.engine).has_table(jobs.JOB_TABLE)  # no store made for nobody

    make_job_store(library)
    now = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    delivery = publish_and_deliver(library, now=now)
    assert delivery.repushes  # Evening 18:00-23:00 on Quito's clock, Berlin has no switch
    stored = {j: job for j, job in job_ids(library).items() if j.startswith("repush-")}
    assert sorted(stored) == list(delivery.repushes)
    assert delivery.repushes == tuple(jobs.schedule_repushes(library, now=now))
    for job in stored.values():
        assert job.args == (str(library.home), world.screens["Quito"])  # type: ignore[attr-defined]


def test_progress_names_each_stage_in_order(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    make_job_store(library)
    stages: list[Stage] = []
    publish_and_deliver(library, progress=lambda stage, *_: stages.append(stage))
    seen = list(dict.fromkeys(stages))
    assert seen == [Stage.PREPARING, Stage.WRITING, Stage.PUSHING, Stage.PLANNING]


def test_a_cancel_after_publishing_skips_the_pushes_and_says_so(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    world, berlin, quito = receivers
    make_job_store(library)
    cancel = threading.Event()

    def progress(stage: Stage, *_: object) -> None:
        if stage is Stage.PUSHING:
            cancel.set()  # the curator presses Cancel as the pushes are about to start

    delivery = publish_and_deliver(library, progress=progress, cancel=cancel)
    assert delivery.result.publication_id is not None and delivery.result.changed
    assert served_manifest(library, world, "Quito")
    assert delivery.skipped is PushSkip.CANCELLED and delivery.pushes == ()
    assert delivery.repushes is None
    assert "skipped (cancelled)" in delivery.message
    assert berlin.requests == [] and quito.requests == [] and push_log(library) == []


def test_a_cancel_while_preparing_publishes_and_pushes_nothing(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    _world, berlin, quito = receivers
    cancel = threading.Event()

    def progress(stage: Stage, *_: object) -> None:
        if stage is Stage.PREPARING:
            cancel.set()

    with pytest.raises(PublishCancelled):
        publish_and_deliver(library, progress=progress, cancel=cancel)
    assert not current_tree(library).exists()
    assert berlin.requests == [] and quito.requests == [] and push_log(library) == []


def test_the_timed_publish_job_publishes_pushes_and_plans_through_the_workflow(
    library: Library, receivers: tuple[World, Receiver, Receiver]
) -> None:
    world, berlin, quito = receivers
    jobs.schedule_publish(library, datetime.now(UTC) - timedelta(minutes=1))
    seen = _run_until(library, EVENT_JOB_MISSED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    assert seen == [EVENT_JOB_EXECUTED]
    with library.session() as session:
        assert list(session.scalars(select(Publication.status))) == ["done"]
    assert sorted(push_log(library)) == sorted(
        [(world.screens["Berlin"], True), (world.screens["Quito"], True)]
    )
    assert [r.body for r in quito.requests] == [served_manifest(library, world, "Quito")]
    assert len(berlin.requests) == 1
    assert [j for j in job_ids(library) if j.startswith("repush-")]  # and re-planned
