"""`urbanart publish` and `urbanart push`: make the published tree, and nudge push screens."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fail, print_json, stderr, stdout, table
from urbanart.cli.public_address import warn_if_public_address_is_local
from urbanart.delivery import jobs
from urbanart.delivery.changes import ChangeStatus
from urbanart.delivery.history import delivery_log
from urbanart.delivery.publisher import ScreenChange
from urbanart.delivery.push import DELIVERY_LOG_LIMIT, push
from urbanart.delivery.workflow import (
    PUSHED_STATUSES,
    Delivery,
    PushSkip,
    Stage,
    publish_and_deliver,
)
from urbanart.errors import InvalidValue


def parse_at(text: str) -> datetime:
    """ISO 8601; without a zone it is read on this computer's clock, as the curator means it."""
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise InvalidValue(
            "--at", text, "is not a date and time; write it like 2026-06-01T09:00 or with a zone "
            "such as 2026-06-01T09:00+02:00", key="at"
        ) from None  # fmt: skip
    if value.tzinfo is None:
        value = value.astimezone()  # local wall clock
    return value


def _short(version: str | None) -> str:
    return version[:12] if version else "—"


def _push_cell(delivery: Delivery, change: ScreenChange) -> str:
    """What happened to this screen's push: only new and changed screens are pushed."""
    if change.status not in PUSHED_STATUSES:
        return ""
    if change.screen_id not in delivery.due:
        return "polls"
    outcome = delivery.push_for(change.screen_id)
    if outcome is not None:
        return "ok" if outcome.ok else f"failed: {outcome.error}"
    if delivery.push_error is not None:
        return "failed"
    if delivery.skipped is PushSkip.DRY_RUN:
        return "would push"
    return "not pushed" if delivery.skipped is None else f"not pushed ({delivery.skipped})"


def fleet_summary(delivery: Delivery) -> str:
    """One line for a fleet: "1,000 screens: 990 unchanged, 10 updated, 0 failed" (updated: new
    or changed; failed: their push failed; removed screens named only when there are some)."""
    totals = delivery.result.totals
    unchanged = totals[ChangeStatus.UNCHANGED]
    updated = totals[ChangeStatus.NEW] + totals[ChangeStatus.CHANGED]
    removed = totals[ChangeStatus.REMOVED]
    screens = unchanged + updated
    noun = "screen" if screens == 1 else "screens"
    verb = "would be updated" if delivery.result.dry_run else "updated"
    line = (
        f"{screens:,} {noun}: {unchanged:,} unchanged, {updated:,} {verb}, "
        f"{len(delivery.failed):,} failed"
    )
    if removed:
        line += f", {removed:,} removed"
    return line + "."


def _show(delivery: Delivery, *, verbose: bool = False) -> None:
    """The changed screens' rows and a summary line; every screen's row with verbose. Notes on
    unchanged screens (items left out, warnings) were shown when they changed: counted here."""
    result = delivery.result
    shown = [c for c in result.screens if verbose or c.status is not ChangeStatus.UNCHANGED]
    rows = [
        (
            c.screen,
            c.status,
            f"+{c.items_added} −{c.items_removed}",
            len(c.dropped) or "",
            f"{_short(c.old_version)} → {_short(c.new_version)}"
            if c.status is ChangeStatus.CHANGED
            else _short(c.new_version or c.old_version),
            _push_cell(delivery, c),
        )
        for c in shown
    ]
    if rows:
        table(None, ("screen", "status", "items", "left out", "manifest version", "push"), rows)
    quiet = [c for c in result.screens if c not in shown]
    notes = sum(len(c.dropped) + len(c.warnings) for c in quiet)
    for change in shown:
        for item in change.dropped:
            stderr.print(
                f"[yellow]left out[/] on {escape(change.screen)}: {escape(item.title)} "
                f"(playlist {escape(item.playlist)}): {escape(item.reason)}",
                highlight=False,
            )
        for warning in change.warnings:
            stderr.print(f"[yellow]warning[/] {escape(change.screen)}: {escape(warning)}")
    for warning in result.warnings:
        stderr.print(f"[yellow]warning[/] {escape(warning)}")
    if notes:
        stderr.print(
            f"{notes:,} note(s) on unchanged screens (items left out, warnings) not repeated; "
            "`urbanart publish --verbose` shows them.",
            highlight=False,
        )
    if result.screens:
        stdout.print(escape(fleet_summary(delivery)), highlight=False)
    stdout.print(escape(delivery.message), highlight=False)
    if result.release is not None and not result.dry_run:
        # Words that say where the files went and who serves them: publishing starts no server.
        stdout.print(
            f"Files written to {escape(str(result.release))}, now the published tree. A running "
            "`urbanart serve` or studio hands it to screens at once; if none is running, start "
            "one (or sync the tree to your web server).",
            highlight=False,
        )


#: What the progress bar says at each stage.
_STAGE_LABELS = {
    Stage.WRITING: "Writing the tree",
    Stage.UPLOADING: "Uploading to the bucket",
    Stage.PUSHING: "Pushing to the changed screens",
    Stage.PLANNING: "Planning re-pushes",
}


@click.command("publish")
@click.option(
    "--dry-run", is_flag=True, help="Compute and report what would change; write nothing."
)
@click.option(
    "--at",
    "at",
    metavar="ISO-TIME",
    help="Store a publish for later (e.g. 2026-06-01T09:00); the serving process runs it.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=None,
    help="How many days ahead each manifest covers (default: the library's look_ahead_days "
    "setting, 7 unless changed).",
)
@click.option(
    "--no-push",
    "no_push",
    is_flag=True,
    help="Publish only: do not push the new versions to screens with a push URL.",
)
@click.option(
    "--target",
    metavar="s3://BUCKET/PREFIX",
    help="Also upload the published tree to this bucket (default: the publish_target "
    "setting); credentials from the AWS environment or ~/.aws.",
)
@click.option(
    "--endpoint-url",
    "endpoint_url",
    metavar="URL",
    help="The S3-compatible service for --target, e.g. a MinIO server (default: the "
    "publish_endpoint_url setting, else URBANART_S3_ENDPOINT_URL, else AWS).",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="A row for every screen, unchanged ones too (default: changed ones and a summary).",
)
@JSON
@pass_state
@curator_errors
def publish_command(
    state: CliState,
    dry_run: bool,
    at: str | None,
    days: int | None,
    no_push: bool,
    target: str | None,
    endpoint_url: str | None,
    verbose: bool,
    as_json: bool,
) -> None:
    """Publish every screen's signed manifest and media, and push it to changed screens.

    Screens whose manifest is new or changed and that have a push URL are told at once; the
    others get it at their next poll.
    """
    library = state.library()
    warn_if_public_address_is_local(library)
    if at is not None:
        if dry_run:
            raise InvalidValue("--at", at, "cannot be combined with --dry-run", key="at")
        if target or endpoint_url:
            raise InvalidValue(
                "--at", at, "cannot be combined with --target; a stored publish uploads to the "
                "publish_target setting", key="at",
            )  # fmt: skip
        when = parse_at(at)
        if when <= datetime.now(UTC):
            raise InvalidValue(
                "--at", at, "is in the past; give a future time or publish now", key="at"
            )
        run_at = jobs.schedule_publish(library, when)
        if as_json:
            print_json({"scheduled": True, "at": run_at.isoformat()})
            return
        local = run_at.astimezone()
        stdout.print(
            f"Publish stored for {local:%Y-%m-%d %H:%M %Z} ({run_at:%H:%M} UTC). The serving "
            "process (`urbanart serve` or the studio) runs it; if neither is running then, it "
            "runs when one starts, up to an hour late.",
            highlight=False,
        )
        return

    cancel = threading.Event()
    show_progress = not as_json and sys.stderr.isatty()
    reached = [Stage.PREPARING]  # the last stage reported, for an honest Ctrl-C message
    try:
        if show_progress:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=stderr,
                transient=True,
            ) as bar:
                task = bar.add_task("Preparing screens", total=None)

                def progress(stage: Stage, done: int, total: int, what: str) -> None:
                    reached[0] = stage
                    label = f"Preparing {what}" if what else _STAGE_LABELS.get(stage, "")
                    bar.update(task, completed=done, total=total or None, description=escape(label))

                delivery = publish_and_deliver(
                    library, dry_run=dry_run, push=not no_push, look_ahead_days=days,
                    progress=progress, cancel=cancel, target=target, endpoint_url=endpoint_url,
                )  # fmt: skip
        else:

            def note(stage: Stage, _done: int, _total: int, _what: str) -> None:
                reached[0] = stage

            delivery = publish_and_deliver(
                library, dry_run=dry_run, push=not no_push, look_ahead_days=days,
                progress=note, cancel=cancel, target=target, endpoint_url=endpoint_url,
            )  # fmt: skip
    except KeyboardInterrupt:
        if reached[0] in (Stage.PUSHING, Stage.PLANNING):
            fail(
                "Cancelled after publishing; screens not yet pushed get the new version when "
                "they poll. `urbanart push --status` shows which were told.",
                130,
            )
        fail("Cancelled; the published tree was left as it was.", 130)
        return
    if as_json:
        print_json(delivery.to_json())
    else:
        _show(delivery, verbose=verbose)


@click.command("push")
@click.option(
    "--screen",
    "screens",
    multiple=True,
    help="Only this screen (id or name); repeat for more. Default: every push screen.",
)
@click.option("--status", "show_status", is_flag=True, help="Show the delivery log instead.")
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=DELIVERY_LOG_LIMIT,
    show_default=True,
    help="With --status: pushes shown per screen.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 120),
    default=5.0,
    show_default=True,
    help="Seconds to wait to connect and for an answer.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Further tries for a screen that does not answer or fails.",
)
@JSON
@pass_state
@curator_errors
def push_command(
    state: CliState,
    screens: tuple[str, ...],
    show_status: bool,
    limit: int,
    timeout: float,
    retries: int,
    as_json: bool,
) -> None:
    """Push the current manifest to screens with a push URL, or show the delivery log."""
    library = state.library()
    if show_status:
        entries = delivery_log(library, screens=list(screens) or None, limit=limit)
        if as_json:
            print_json([e.to_json() for e in entries])
            return
        rows = [
            (
                e.screen,
                f"{d.started_at:%Y-%m-%d %H:%M:%S}",
                d.attempts,
                "ok" if d.ok else (d.http_status or "failed"),
                d.error or "",
            )
            for e in entries
            for d in e.deliveries
        ]
        if not rows:
            stdout.print("No pushes yet.")
            return
        table(None, ("screen", "time (UTC)", "attempts", "status", "error"), rows)
        return
    outcomes = push(library, screens=list(screens) or None, timeout=timeout, retries=retries)
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        print_json([o.to_json() for o in outcomes])
    elif not outcomes:
        stdout.print("No screen has a push URL; nothing to push.")
    else:
        table(
            None,
            ("screen", "result", "attempts", "seconds", "manifest version"),
            (
                (
                    o.screen,
                    "ok" if o.ok else o.error,
                    o.attempts,
                    f"{o.seconds:.2f}",
                    _short(o.manifest_version),
                )
                for o in outcomes
            ),
        )
        stdout.print(f"{len(outcomes) - len(failed)} pushed, {len(failed)} failed.")
    if failed:
        sys.exit(1)
