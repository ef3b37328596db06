"""`urbanart serve`, `urbanart screens status` and `urbanart report plays`: the hub and its data."""

from __future__ import annotations

from datetime import datetime

import click
from rich.markup import escape
from rich.table import Table

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import curator_errors, print_json, stdout
from urbanart.delivery import reports as rep
from urbanart.delivery import status as st
from urbanart.delivery.job_runner import RunnerState, start_runner
from urbanart.delivery.server import DEFAULT_HOST, DEFAULT_PORT
from urbanart.delivery.server import serve as run_hub
from urbanart.delivery.workers import MAX_WORKERS, check_workers, serve_workers
from urbanart.library.library import current_tree

_STATE_STYLE = {
    st.OnlineState.ONLINE: "green",
    st.OnlineState.OFFLINE: "bold red",
    st.OnlineState.NEVER_SEEN: "dim",
}


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%SZ")


def _bytes(value: int | None) -> str:
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return str(value)


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--access-log", is_flag=True, help="Log every request to stderr, tokens masked (slower)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=1,
    show_default=True,
    help="Hub processes sharing the port (more than 1 needs the library on PostgreSQL).",
)
@pass_state
@curator_errors
def serve(state: CliState, host: str, port: int, access_log: bool, workers: int) -> None:
    """Serve the published tree and the screens' API until Ctrl+C, and run timed jobs.

    Timed jobs (`publish --at`, re-pushes at playlist switches, marking silent screens offline,
    pruning old heartbeats and plays) live in the library; one serving process runs them (the
    studio or a `serve`, whichever took the job-runner lease), the others stand by and take over
    if it stops. With --workers N, N processes answer requests on one port and this process
    supervises them and runs the timed jobs.
    """
    library = state.library()
    check_workers(library, workers)  # refused before anything starts

    def ready(url: str) -> None:
        click.echo(f"Hub serving {current_tree(library)} at {url}")
        click.echo("Press Ctrl+C to stop.")
        click.echo(f"Timed jobs: {runner.state().text}")
        runner.on_change = jobs_changed  # later changes: a takeover, a lost lease

    def jobs_changed(state: RunnerState) -> None:
        click.echo(f"Timed jobs: {state.text}")

    runner = start_runner(library)
    try:
        if workers > 1:
            serve_workers(library, host, port, workers, access_log=access_log, on_ready=ready)
        else:
            run_hub(library, host, port, access_log=access_log, on_ready=ready)
    finally:
        runner.stop(wait=False)
    click.echo("Hub stopped.")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
@curator_errors
def status(state: CliState, as_json: bool) -> None:
    """Which screens are online, what they play, and whether they run the latest manifest."""
    rows = st.screen_statuses(state.library())
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    table = Table(header_style="bold")
    for column in (
        "screen",
        "state",
        "last seen (UTC)",
        "now playing",
        "latest manifest",
        "player",
        "free disk",
        "errors",
    ):
        table.add_column(column, overflow="fold")
    for r in rows:
        style = _STATE_STYLE.get(r.state, "")
        table.add_row(
            escape(r.name),
            f"[{style}]{r.state}[/]",
            _when(r.last_seen_at),
            escape(r.now_playing or ""),
            {st.LatestManifest.YES: "[green]yes[/]", st.LatestManifest.NO: "[yellow]no[/]"}.get(
                r.latest_manifest, "unknown"
            ),
            escape(r.player_version or ""),
            _bytes(r.free_disk_bytes),
            escape(r.errors[-1]) + (f" (+{len(r.errors) - 1})" if len(r.errors) > 1 else "")
            if r.errors
            else "",
        )
    stdout.print(table)
    for r in rows:  # a refused manifest is a security event: its own line, never folded away
        line = st.refusal_line(r.refused)
        if line:
            stdout.print(f"[yellow]{escape(r.name)}: {escape(line)}[/]")


@click.group("report")
def report() -> None:
    """Reports from what the screens told the hub."""


@report.command("plays")
@click.option("--from", "start", required=True, help="First day (YYYY-MM-DD, UTC) or ISO time.")
@click.option("--to", "end", required=True, help="Last day, included (YYYY-MM-DD) or ISO time.")
@click.option("--screen", help="Only this screen (id or name).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row on stdout.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
@curator_errors
def plays(
    state: CliState, start: str, end: str, screen: str | None, as_csv: bool, as_json: bool
) -> None:
    """Proof of play: every play in the period in the screen's local time, partial plays apart,
    and totals per screen and per artwork (--csv and --json for spreadsheets and programs)."""
    result = rep.plays_report(
        state.library(),
        rep.parse_bound(start, end=False),
        rep.parse_bound(end, end=True),
        screen,
    )
    if as_csv:
        click.echo(result.csv(), nl=False)
        return
    if as_json:
        print_json(result.to_json())
        return
    _plays_tables(result)


def _local_time(moment: datetime) -> str:
    """A screen's wall clock as people say it: Sun 9 Mar 2025, 20:00:05 JST."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M:%S %Z}"


def _seconds(total: float) -> str:
    """20 s, 2 min 05 s, 3 h 04 min: a duration at a glance."""
    if total < 60:
        return f"{total:.1f} s" if total % 1 and total < 10 else f"{round(total)} s"
    minutes, seconds = divmod(round(total), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _plays_tables(result: rep.PlaysReport) -> None:
    """Complete plays, then the partial ones apart, then totals per screen and per artwork."""
    if not result.rows:
        stdout.print(
            f"No plays reported between {result.start:%Y-%m-%d %H:%M} and "
            f"{result.end:%Y-%m-%d %H:%M} UTC"
            + (f" on {escape(result.screen)}." if result.screen else "."),
            highlight=False,
        )
        return
    complete = [r for r in result.rows if not r.partial]
    partial = [r for r in result.rows if r.partial]
    span = f"{result.start:%Y-%m-%d %H:%M} – {result.end:%Y-%m-%d %H:%M} UTC"
    for title, rows in (
        (f"Plays {span}", complete),
        ("Partial plays (shown for less than their planned time)", partial),
    ):
        if not rows and rows is partial:
            continue
        table = Table(title=title, header_style="bold")
        table.add_column("local time", no_wrap=True)  # UTC: in --csv and --json
        for column in ("screen", "artwork", "artist", "playlist"):
            table.add_column(column, overflow="fold")
        table.add_column("shown", no_wrap=True)
        for r in rows:
            shown = _seconds(r.duration_s)
            if r.partial and r.planned_s is not None:
                shown += f" of {_seconds(r.planned_s)}"
            if r.frames_shown is not None:  # a live work: its feed's frames on screen
                shown += f", {r.frames_shown} frame{'' if r.frames_shown == 1 else 's'}"
            table.add_row(
                _local_time(r.started_at_local),
                escape(r.screen),
                escape(r.artwork or r.artwork_sha256[:12] + "…"),
                escape(r.artist or ""),
                escape(r.playlist or ""),
                shown,
            )
        stdout.print(table)
    screens = Table(title="Totals per screen", header_style="bold")
    for column in ("screen", "time zone", "plays", "of which partial", "time shown"):
        screens.add_column(column, overflow="fold")
    for s in result.screen_totals:
        screens.add_row(
            escape(s.screen), s.timezone, str(s.plays), str(s.partial), _seconds(s.seconds)
        )
    stdout.print(screens)
    totals = Table(title="Totals per artwork", header_style="bold")
    for column in ("artwork", "artist", "plays", "of which partial", "time shown"):
        totals.add_column(column, overflow="fold")
    for t in result.totals:
        totals.add_row(
            escape(t.artwork or t.artwork_sha256[:12] + "…"),
            escape(t.artist or ""),
            str(t.plays),
            str(t.partial),
            _seconds(t.seconds),
        )
    stdout.print(totals)
