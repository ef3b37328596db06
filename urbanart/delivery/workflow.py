"""`publish_and_deliver`: what "Publish" means, the same from the CLI, the studio and a timed job.

Publishing writes the tree screens poll; delivering then tells the screens that can be told:
every screen whose manifest is new or changed and that has a push URL gets it pushed at once,
and the timed re-pushes at playlist switches are planned again (when a job store exists, i.e. a
serving process runs or ran timed jobs for this library). Faces only present the Delivery.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from urbanart.delivery import jobs
from urbanart.delivery.bucket import BucketUpload, publish_target, upload_tree
from urbanart.delivery.changes import ChangeStatus
from urbanart.delivery.history import push_screen_ids
from urbanart.delivery.publisher import PublishResult, publish
from urbanart.delivery.push import PushOutcome
from urbanart.delivery.push import push as push_to_screens
from urbanart.delivery.tree import Tree
from urbanart.errors import StorageError, UrbanArtError
from urbanart.library.library import Library, published_root
from urbanart.library.settings import load_settings

#: Change statuses whose screens get the new manifest pushed.
PUSHED_STATUSES = frozenset({ChangeStatus.NEW, ChangeStatus.CHANGED})


class Stage(StrEnum):
    """Where a publish-and-deliver is, for progress shown to the curator."""

    PREPARING = "preparing"  # done/total screens; what = the screen being prepared
    WRITING = "writing"  # the release is written and swapped in
    UPLOADING = "uploading"  # the served release is mirrored into the bucket (bucket.py)
    PUSHING = "pushing"  # total = screens being pushed
    PLANNING = "planning"  # re-pushes at playlist switches


class PushSkip(StrEnum):
    """Why screens due a push were not pushed."""

    DRY_RUN = "dry run"
    NOT_ASKED = "not asked"  # push=False (`urbanart publish --no-push`)
    CANCELLED = "cancelled"  # the curator stopped after the tree was published


#: progress(stage, done, total, what)
DeliveryProgress = Callable[[Stage, int, int, str], None]


@dataclass(frozen=True)
class Delivery:
    """What one publish-and-deliver did: the publication, the pushes and the re-push plan."""

    result: PublishResult
    #: New or changed screens with a push URL, by id: the ones this run owed a push.
    due: tuple[int, ...] = ()
    #: One outcome per pushed screen, by screen id.
    pushes: tuple[PushOutcome, ...] = ()
    #: Why the due screens were not pushed (None when they were, or none was due).
    skipped: PushSkip | None = None
    #: Why pushing failed as a whole (the tree is published all the same).
    push_error: str | None = None
    #: Ids of the re-push jobs now planned; None when no plan was made (dry run, cancelled, or
    #: no job store: then the next serving process plans them).
    repushes: tuple[str, ...] | None = None
    #: What was uploaded to the publish target bucket (None: no bucket, or a dry run).
    upload: BucketUpload | None = None

    @property
    def failed(self) -> tuple[PushOutcome, ...]:
        return tuple(o for o in self.pushes if not o.ok)

    def push_for(self, screen_id: int | None) -> PushOutcome | None:
        return next((o for o in self.pushes if o.screen_id == screen_id), None)

    @property
    def push_message(self) -> str:
        """One sentence on the pushes, empty when no screen was due one."""
        if self.push_error is not None:
            return f"No screen was pushed: {self.push_error}"
        count = len(self.due)
        if not count:
            return ""
        noun = "screen" if count == 1 else "screens"
        if self.skipped is PushSkip.DRY_RUN:
            return f"Would push to {count} {noun}."
        if self.skipped is PushSkip.NOT_ASKED:
            return f"Not pushed to {count} {noun} (asked not to); they get it when they poll."
        if self.skipped is PushSkip.CANCELLED:
            return f"Pushes to {count} {noun} skipped (cancelled); they get it when they poll."
        failed = len(self.failed)
        text = (
            f"Pushed to {len(self.pushes)} {noun}: {len(self.pushes) - failed} ok, {failed} failed."
        )
        if failed:
            text += " Screens whose push failed get the new version at their next poll."
        return text

    @property
    def message(self) -> str:
        """The publication's line, the bucket's, then the pushes' sentence."""
        bucket = self.upload.message if self.upload is not None else ""
        return " ".join(filter(None, (self.result.message, bucket, self.push_message)))

    def to_json(self) -> dict[str, Any]:
        """The publication's JSON, plus what was pushed and planned."""
        return {
            **self.result.to_json(),
            "message": self.message,
            "push": {
                "due": list(self.due),
                "skipped": None if self.skipped is None else str(self.skipped),
                "error": self.push_error,
                "outcomes": [o.to_json() for o in self.pushes],
            },
            "repushes": None if self.repushes is None else list(self.repushes),
            "bucket": None if self.upload is None else self.upload.to_json(),
        }


def publish_and_deliver(
    library: Library,
    *,
    dry_run: bool = False,
    push: bool = True,
    now: datetime | None = None,
    progress: DeliveryProgress | None = None,
    cancel: threading.Event | None = None,
    look_ahead_days: int | None = None,
    target: str | None = None,
    endpoint_url: str | None = None,
) -> Delivery:
    """Publish, push the changed screens that have a push URL, and re-plan timed re-pushes.

    The one workflow behind every "Publish": `urbanart publish`, the studio's Publish view and
    the timed publish job all call it, so they cannot drift apart. A cancel during the publish
    raises PublishCancelled (the served tree is untouched); a cancel after it skips the pushes
    and the planning (Delivery.skipped says so; screens still get the version when they poll).
    push=False publishes without pushing; the re-push plan still follows the schedules, since
    re-pushes at playlist switches happen whether or not this publish told the screens.
    look_ahead_days=None takes the library's look_ahead_days setting.

    With a bucket (target s3://BUCKET/PREFIX, else the library's publish_target setting) the
    served release is uploaded after the local build and before any push, every time (also
    when nothing changed: an upload a failure cut short is completed by the next publish).
    """
    bucket = publish_target(library, target, endpoint_url)  # a bad target fails before anything

    def publishing(done: int, total: int, what: str) -> None:
        if progress is not None:
            progress(Stage.PREPARING if what else Stage.WRITING, done, total, what)

    result = publish(
        library,
        dry_run=dry_run,
        look_ahead_days=look_ahead_days,
        now=now,
        progress=publishing,
        cancel=cancel,
    )
    pushable = push_screen_ids(library)
    due = tuple(
        sorted(
            c.screen_id
            for c in result.screens
            if c.status in PUSHED_STATUSES and c.screen_id in pushable
        )
    )
    if dry_run:
        return Delivery(result, due, skipped=PushSkip.DRY_RUN if due else None)

    upload: BucketUpload | None = None
    if bucket is not None:
        if progress is not None:
            progress(Stage.UPLOADING, 0, 0, "")
        grace = timedelta(days=load_settings(library).media_grace_days)
        try:
            upload = upload_tree(Tree(published_root(library)), bucket, now=now, grace=grace)
        except OSError as exc:
            raise StorageError(exc) from exc

    outcomes: tuple[PushOutcome, ...] = ()
    skipped: PushSkip | None = None
    push_error: str | None = None
    if due and not push:
        skipped = PushSkip.NOT_ASKED
    elif due:
        if progress is not None:
            progress(Stage.PUSHING, 0, len(due), "")
        if cancel is not None and cancel.is_set():
            skipped = PushSkip.CANCELLED
        else:
            try:
                outcomes = tuple(push_to_screens(library, screens=list(due)))
            except UrbanArtError as exc:  # say why nobody was told; the tree is published
                push_error = str(exc)
            if progress is not None:
                progress(Stage.PUSHING, len(due), len(due), "")
    if cancel is not None and cancel.is_set():
        return Delivery(result, due, outcomes, skipped, push_error, upload=upload)

    repushes: tuple[str, ...] | None = None
    if jobs.has_job_store(library):
        if progress is not None:
            progress(Stage.PLANNING, 0, 0, "")
        repushes = tuple(jobs.schedule_repushes(library, now=now))
    return Delivery(result, due, outcomes, skipped, push_error, repushes, upload)


__all__ = [
    "Delivery",
    "DeliveryProgress",
    "PushSkip",
    "Stage",
    "publish_and_deliver",
]
