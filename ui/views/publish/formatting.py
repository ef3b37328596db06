"""What the Publish view says, as plain text: summaries, notices and button reasons.

Pure functions of engine results (no widgets, no engine calls), so the wording can be tested
without a QApplication and the presenter only decides *when* to show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from urbanart.delivery.changes import ChangeStatus, ScreenChange
from urbanart.delivery.history import PublicationRecord, PushRecord
from urbanart.delivery.workflow import Delivery, PushSkip, Stage
from urbanart.library.video_renditions import VideoBudget

CANCELLED = "Publishing was cancelled; screens keep the previous version."
HINT = (
    "Screens fetch their new version at their next poll; screens with a push URL are told at "
    "once. Expand a screen to see which items were left out and why."
)
NO_SCREENS = (
    "No screens yet: add screens in Screens and schedule playlists on them in Schedules. "
    "Publishing still writes the player and the public pages."
)
NOT_CHECKED = "Not checked yet."
CHECKING = "Checking what would change…"
STOPPING = "Stopping…"
CHECK_STOPPED = "Check stopped; press “Check what would change” to run it again."
CHECK_FAILED = "The check failed."
CHECK_FAULT = "The check failed; see the message."
NO_PUBLICATION = "Choose a publication"


class Look(StrEnum):
    """How a notice is coloured: plain, as a pending change, or as a failure."""

    PLAIN = ""
    CHANGED = "changed"
    FAILED = "failed"


class Op(StrEnum):
    """The one background job the view runs at a time."""

    CHECK = "check"
    PUBLISH = "publish"
    PUSH = "push"


def screens_noun(count: int) -> str:
    return "screen" if count == 1 else "screens"


def check_progress_format(what: str) -> str:
    """The progress bar's format while checking (Qt fills in %v and %m)."""
    return f"{what} (%v of %m)" if what else "%v of %m"


def publish_stage_text(stage: Stage, total: int, what: str) -> tuple[bool, str]:
    """The progress dialog's text for a publish stage, and whether its count is meaningful."""
    if stage is Stage.PREPARING:
        return True, f"Preparing {what}"
    if stage is Stage.PUSHING:
        return False, f"Pushing to {total} {screens_noun(total)}"
    if stage is Stage.PLANNING:
        return False, "Planning re-pushes at playlist switches"
    return True, "Writing the tree"


def published_summary(message: str, pushed: Sequence[PushRecord]) -> str:
    """The summary line after publishing: the engine's message, then how the pushes went."""
    lines = [message]
    if pushed:
        failed = sum(1 for p in pushed if not p.ok)
        lines.append(
            f"Pushed to {len(pushed)} {screens_noun(len(pushed))}: "
            f"{len(pushed) - failed} ok, {failed} failed."
        )
    return " ".join(lines)


def delivery_notes(delivery: Delivery) -> str:
    """The notice after publishing: warnings, and what became of the pushes, one per line."""
    notes = list(delivery.result.warnings)
    if delivery.skipped is PushSkip.CANCELLED:
        notes.append("Pushes were skipped because you cancelled; screens get it when they poll.")
    if delivery.push_error:
        notes.append(f"No screen was pushed: {delivery.push_error}")
    if delivery.failed:
        notes.append("Screens whose push failed get the new version at their next poll.")
    return "\n".join(notes)


def pushed_again_notice(pushed: Sequence[PushRecord]) -> tuple[str, Look]:
    """The notice after "Retry failed pushes", coloured as a change while any still fail."""
    failed = sum(1 for p in pushed if not p.ok)
    text = f"Pushed again: {len(pushed) - failed} ok, {failed} failed." + (
        " Those screens get the new version at their next poll." if failed else ""
    )
    return text, Look.CHANGED if failed else Look.PLAIN


def pushing_label(count: int) -> str:
    return f"Pushing to {count} {screens_noun(count)}…"


def failed_push_ids(
    screens: Iterable[ScreenChange], pushes: Mapping[int, PushRecord], pushable: frozenset[int]
) -> list[int]:
    """Screens worth pushing again: listed (not removed), with a push URL, last push failed."""
    listed = {c.screen_id for c in screens if c.status is not ChangeStatus.REMOVED}
    return sorted(i for i, p in pushes.items() if not p.ok and i in pushable and i in listed)


def publish_reason(op: Op | None, changed: bool | None) -> str:
    """The Publish button's tooltip: what it would do, or why it is disabled."""
    if op is Op.CHECK:
        return "Wait until the check has finished (or stop it)."
    if op is Op.PUBLISH:
        return "Publishing…"
    if op is Op.PUSH:
        return "Pushing…"
    if changed is False:
        return "Nothing to publish: every screen already has the latest version."
    if changed is None:
        return "Not checked yet; publishing sends whatever changed."
    return "Publish the new versions and push them to screens with a push URL."


def detail_heading(record: PublicationRecord, when: str, totals: str) -> str:
    """The heading over a past publication's screens: when, how it ended, what it wrote."""
    return f"{when} · {record.status} · {totals}"


def detail_message(record: PublicationRecord, warnings: Iterable[str]) -> str:
    return "\n".join([record.message, *warnings])


def _megabytes(size: int) -> str:
    """MB with one decimal; a file under 0.1 MB in kB, so it never reads "0.0 MB"."""
    if size < 100_000:
        return f"{max(1, round(size / 1000))} kB"
    return f"{size / 1e6:.1f} MB"


def video_budget_line(budget: VideoBudget) -> str:
    """One video work under its screen: length, rendition size (or its ceiling) and budget."""
    minutes, seconds = divmod(round(budget.duration_s), 60)
    length = f"{minutes}:{seconds:02d}"
    limit = _megabytes(budget.budget_bytes)
    if not budget.fits:
        return f"Video “{budget.title}” ({length}): cannot fit {limit}: {budget.reason}"
    size = (
        f"{_megabytes(budget.made_bytes)} of {limit}"
        if budget.made_bytes is not None
        else f"made at publish, at most {limit}"
    )
    soft = f"; {budget.reason}" if budget.soft else ""
    return f"Video “{budget.title}” ({length}): {size}{soft}"


def video_budget_warnings(budgets: Iterable[VideoBudget]) -> list[str]:
    """The screens whose byte budget a video cannot meet (or meets only with a soft picture)."""
    return [
        f"{budget.screen}: {video_budget_line(budget)}"
        for budget in budgets
        if not budget.fits or budget.soft
    ]
