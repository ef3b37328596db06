"""`urbanart live`: live works (an artist's generator feeding frames through the hub)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fail, print_json, stdout, table

#: Where `live send` and `live run` post when neither --hub nor the library says otherwise.
LOCAL_HUB = "http://127.0.0.1:8470"


@click.group()
def live() -> None:
    """Live works: an artist's generator sends frames to the hub; screens show the newest."""


@live.command()
@click.argument("title")
@click.option("--artist", required=True, help="Who made the work (created if new).")
@click.option(
    "--interval", required=True, help="How often the generator makes a frame: 5s, 500ms, 1m."
)
@click.option(
    "--retention", default="none", show_default=True,
    help="What stays on disk: none (only the frame on screen), N frames, or a duration (2h, 7d).",
)  # fmt: skip
@click.option(
    "--silence", help="After how long without a frame screens show the still (default: "
    "6 intervals, at least 30s).",
)  # fmt: skip
@click.option(
    "--fallback", type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The work's still, shown when the feed is silent (default: a title card).",
)  # fmt: skip
@click.option("--pull", "pull_url", help="Let the hub fetch frames from this URL every interval.")
@click.option(
    "--keep/--no-keep", default=True, show_default=True,
    help="Whether phones may download the frame on screen.",
)  # fmt: skip
@JSON
@pass_state
@curator_errors
def add(
    state: CliState,
    title: str,
    artist: str,
    interval: str,
    retention: str,
    silence: str | None,
    fallback: Path | None,
    pull_url: str | None,
    keep: bool,
    as_json: bool,
) -> None:
    """Register a live work; prints its source token and secret (shown this once only)."""
    from urbanart.live.retention import parse_seconds
    from urbanart.live.works import add_live_work

    library = state.library()
    new = add_live_work(
        library,
        title,
        artist,
        interval_s=parse_seconds(interval, field="--interval", key="interval_s"),
        retention=retention,
        fallback=fallback,
        pull_url=pull_url,
        allow_keep=keep,
        silence_s=None
        if silence is None
        else parse_seconds(silence, field="--silence", key="silence_s"),
    )
    if as_json:
        print_json(new.to_json())
        return
    out = stdout.print
    out(f"Live work {new.live_work_id} (artwork {new.artwork_id}) added.", markup=False)
    out(f"feed:   {new.to_json()['feed_url']}", markup=False, highlight=False)
    out(f"token:  {new.token}", markup=False, highlight=False)
    out(f"secret: {new.secret}", markup=False, highlight=False)
    out("Give the token and secret to the generator now: the secret is not shown again.")


@live.command("list")
@JSON
@pass_state
@curator_errors
def list_(state: CliState, as_json: bool) -> None:
    """List live works with their feeds' state: last frame, frames per minute, last refusal."""
    from urbanart.live.works import live_works

    states = live_works(state.library())
    if as_json:
        print_json([s.to_json() for s in states])
        return
    table(
        None,
        ("id", "title", "artist", "every", "kept", "last frame", "per min", "refused", "state"),
        (
            (
                s.live_work_id,
                s.title,
                s.artist,
                f"{s.interval_s:g}s",
                s.retention,
                s.last_frame_at.strftime("%Y-%m-%d %H:%M:%S") if s.last_frame_at else "never",
                f"{s.frames_per_minute:.1f}",
                f"{s.frames_refused}" + (f": {s.last_refusal}" if s.last_refusal else ""),
                "silent" if s.silent else "live",
            )
            for s in states
        ),
    )


@live.command()
@click.argument("work")
@click.option("--sequence", type=int, help="The frame's number (default: the newest).")
@JSON
@pass_state
@curator_errors
def keep(state: CliState, work: str, sequence: int | None, as_json: bool) -> None:
    """Keep a frame of live WORK (id or title) as an artwork credited to its artist."""
    from urbanart.live.works import find_live_work, keep_frame

    library = state.library()
    artwork_id = keep_frame(library, find_live_work(library, work), sequence)
    if as_json:
        print_json({"artwork_id": artwork_id})
    else:
        stdout.print(f"Kept as artwork {artwork_id}.", markup=False)


@live.command()
@click.argument("work")
@pass_state
@curator_errors
def remove(state: CliState, work: str) -> None:
    """Remove live WORK (id or title): its artwork, frames and secret (kept frames stay)."""
    from urbanart.live.works import find_live_work, remove_live_work

    library = state.library()
    work_id = find_live_work(library, work)
    remove_live_work(library, work_id)
    stdout.print(f"Live work {work_id} removed.", markup=False)


def _source(state: CliState, token: str, hub: str | None, secret: str | None) -> Any:
    """The source to post as: --hub and --secret, else what the library beside us knows."""
    from urbanart.live.client import LiveSource

    if hub is not None and secret is not None:
        return LiveSource(hub, token, secret)
    from sqlalchemy import select

    from urbanart.library.models import LiveWork
    from urbanart.library.settings import load_settings
    from urbanart.live.source_secrets import LiveSecretStore

    library = state.library()
    if secret is None:
        with library.session() as session:
            work_id = session.scalar(select(LiveWork.id).where(LiveWork.token == token))
        secret = LiveSecretStore(library.home).get(work_id) if work_id is not None else None
        if secret is None:
            fail("No live work of this library has that token; give --secret (and --hub).", 2)
    if hub is None:
        hub = load_settings(library).public_base_url or LOCAL_HUB
    assert secret is not None
    return LiveSource(hub, token, secret)


HUB = click.option("--hub", help="The hub's URL (default: the library's public address).")
SECRET = click.option(
    "--secret",
    envvar="URBANART_LIVE_SECRET",
    help="The source's secret (default: URBANART_LIVE_SECRET, else the library's).",
)


@live.command()
@click.argument("token")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@HUB
@SECRET
@JSON
@pass_state
@curator_errors
def send(
    state: CliState, token: str, file: Path, hub: str | None, secret: str | None, as_json: bool
) -> None:
    """Send FILE as the next frame of the live work whose source token is TOKEN."""
    from urbanart.live.client import send_frame

    answer = send_frame(_source(state, token, hub, secret), file.read_bytes())
    if as_json:
        print_json(answer)
    else:
        stdout.print(f"Frame {answer.get('sequence')} accepted.", markup=False)


@live.command(context_settings={"ignore_unknown_options": True})
@click.argument("token")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@HUB
@SECRET
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path),
    help="The folder COMMAND writes frames into (default: a new temporary folder).",
)  # fmt: skip
@pass_state
@curator_errors
def run(
    state: CliState,
    token: str,
    command: tuple[str, ...],
    hub: str | None,
    secret: str | None,
    out: Path | None,
) -> None:
    """Run COMMAND (after --) and send each image it writes as a frame of TOKEN's live work.

    COMMAND finds its folder in URBANART_LIVE_OUT (or as {out} in its arguments); each file
    is deleted once sent. Stops, non-zero, with the hub's reason when a frame is refused."""
    import tempfile

    from urbanart.live.client import run_generator

    source = _source(state, token, hub, secret)
    with tempfile.TemporaryDirectory(prefix="urbanart-live-") as tmp:
        folder = out or Path(tmp)

        def shown(path: Path, answer: dict[str, Any]) -> None:
            stdout.print(f"{path.name}: frame {answer.get('sequence')}", markup=False)

        code = run_generator(source, command, folder, on_frame=shown)
    if code != 0:
        fail(f"The generator ended with exit status {code}.", code)
