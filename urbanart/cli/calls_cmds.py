"""`urbanart calls`: open calls artists hand works in to, their invites, and their review."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fields, print_json, stdout, table
from urbanart.imaging.limits import MIB
from urbanart.intake import calls as calls_api
from urbanart.intake import review as review_api
from urbanart.intake.calls import CallRecord
from urbanart.intake.submissions import SubmissionRecord
from urbanart.library.vocabulary import LICENSES


@click.group()
def calls() -> None:
    """Open calls: artists hand in their works on a page the hub serves; curators review them."""


@calls.command()
@click.argument("title")
@click.option("--deadline", required=True, help="Date and time, e.g. 2027-03-01T18:00.")
@click.option("--timezone", "tz", required=True, help="IANA zone of the deadline (Europe/Berlin).")
@click.option("--description", default="", help="What the call is about (shown on its page).")
@click.option(
    "--kind", "kinds", multiple=True,
    help="Accepted kind of work: still, video or generative (repeat to name more).",
)  # fmt: skip
@click.option(
    "--kinds", "kinds_list", metavar="LIST",
    help="Accepted kinds as one list, e.g. still,video,generative "
    f"(default: {','.join(calls_api.DEFAULT_KINDS)}).",
)  # fmt: skip
@click.option("--max-files", default=5, show_default=True, help="Works per artist.")
@click.option("--max-mb", default=50, show_default=True, help="Megabytes (MiB) per file.")
@click.option(
    "--license", "licenses", multiple=True,
    help=f"License offered (repeat); default all: {', '.join(LICENSES)}.",
)  # fmt: skip
@click.option(
    "--ai-declaration/--no-ai-declaration", default=True, show_default=True,
    help="Whether artists must declare AI involvement.",
)  # fmt: skip
@click.option("--terms", default="", help="Terms an artist must accept (text).")
@click.option(
    "--terms-file", type=click.Path(dir_okay=False, exists=True), help="Terms from a file."
)
@click.option("--invite-only", is_flag=True, help="Only invited artists may hand in.")
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(dir_okay=False),
    help="Write the page's QR code (.svg or .png).",
)
@JSON
@pass_state
@curator_errors
def create(
    state: CliState,
    title: str,
    deadline: str,
    tz: str,
    description: str,
    kinds: tuple[str, ...],
    kinds_list: str | None,
    max_files: int,
    max_mb: int,
    licenses: tuple[str, ...],
    ai_declaration: bool,
    terms: str,
    terms_file: str | None,
    invite_only: bool,
    qr_path: str | None,
    as_json: bool,
) -> None:
    """Create an open call; prints its id and the URL of its page."""
    listed = tuple(k.strip() for k in (kinds_list or "").split(",") if k.strip())
    kinds = (*kinds, *listed) or calls_api.DEFAULT_KINDS
    library = state.library()
    if terms_file:
        terms = Path(terms_file).read_text(encoding="utf-8")
    record = calls_api.create_call(
        library,
        title=title,
        deadline=deadline,
        timezone=tz,
        description=description,
        kinds=kinds,
        max_files=max_files,
        max_bytes=max_mb * MIB,
        licenses=licenses or tuple(LICENSES),
        ai_required=ai_declaration,
        terms=terms,
        invite_only=invite_only,
    )
    url = calls_api.base_url(library).rstrip("/") + record.path
    if qr_path:
        from urbanart.viewers import qr

        data = qr.png_bytes(url) if qr_path.lower().endswith(".png") else qr.svg_bytes(url)
        Path(qr_path).write_bytes(data)
    if as_json:
        print_json({"id": record.id, "url": url})
    else:
        stdout.print(f"Call {record.id} created: {url}", highlight=False, markup=False)


@calls.command("list")
@JSON
@pass_state
@curator_errors
def list_(state: CliState, as_json: bool) -> None:
    """List calls with their deadlines and number of works handed in."""
    library = state.library()
    records = calls_api.list_calls(library)
    if as_json:
        base = calls_api.base_url(library)
        print_json([r.to_json(base) for r in records])
        return
    table(
        None,
        ("id", "title", "deadline", "open", "works"),
        (
            (
                r.id,
                r.title,
                r.local_deadline.isoformat(),
                "closed" if r.closed_at else "open",
                r.submissions,
            )
            for r in records
        ),
    )


def _show(state: CliState, record: CallRecord, as_json: bool) -> None:
    value = record.to_json(calls_api.base_url(state.library()))
    if as_json:
        print_json(value)
    else:
        fields((k, ", ".join(v) if isinstance(v, list) else v) for k, v in value.items())


@calls.command()
@click.argument("call")
@JSON
@pass_state
@curator_errors
def show(state: CliState, call: str, as_json: bool) -> None:
    """Show one call (by id or title)."""
    _show(state, calls_api.get_call(state.library(), call), as_json)


@calls.command()
@click.argument("call")
@JSON
@pass_state
@curator_errors
def close(state: CliState, call: str, as_json: bool) -> None:
    """Stop taking hand-ins now, before the deadline; review goes on."""
    _show(state, calls_api.close_call(state.library(), call), as_json)


@calls.command()
@click.argument("call")
@click.argument("name")
@click.argument("email")
@JSON
@pass_state
@curator_errors
def invite(state: CliState, call: str, name: str, email: str, as_json: bool) -> None:
    """Make a personal invite link for one artist (send it yourself; revocable)."""
    library = state.library()
    record = calls_api.invite(library, call, name, email)
    value = record.to_json(calls_api.get_call(library, call), calls_api.base_url(library))
    if as_json:
        print_json(value)
    else:
        stdout.print(value["url"], highlight=False, markup=False)


@calls.command()
@click.argument("call")
@click.argument("invite")
@JSON
@pass_state
@curator_errors
def revoke(state: CliState, call: str, invite: str, as_json: bool) -> None:
    """Revoke an invite (by id, name or e-mail): its link stops working."""
    library = state.library()
    record = calls_api.revoke(library, call, invite)
    value = record.to_json(calls_api.get_call(library, call), calls_api.base_url(library))
    if as_json:
        print_json(value)
    else:
        stdout.print(
            f"Invite {record.id} for {record.name} revoked.", highlight=False, markup=False
        )


@calls.command()
@click.argument("call")
@click.option("--all", "show_all", is_flag=True, help="Also the works already decided.")
@JSON
@pass_state
@curator_errors
def review(state: CliState, call: str, show_all: bool, as_json: bool) -> None:
    """List a call's submissions waiting for review (with --all: every one)."""
    records = review_api.list_submissions(state.library(), call, include_closed=show_all)
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table(
        None,
        ("id", "artist", "title", "year", "license", "AI", "file", "state"),
        (
            tuple(
                escape(str(v)) if isinstance(v, str) else v
                for v in (
                    r.id,
                    r.artist,
                    r.title,
                    r.year,
                    r.license,
                    r.ai_label,
                    f"{r.file_name} ({r.package_label})" if r.generative else r.file_name,
                    r.state,
                )
            )
            for r in records
        ),
    )


def _decided(record: SubmissionRecord, as_json: bool) -> None:
    if as_json:
        print_json(record.to_json())
    else:
        extra = f" as artwork {record.artwork_id}" if record.artwork_id else ""
        stdout.print(
            f"Submission {record.id} ({record.title}): {record.state}{extra}.",
            highlight=False,
            markup=False,
        )


@calls.command()
@click.argument("submission")
@JSON
@pass_state
@curator_errors
def accept(state: CliState, submission: str, as_json: bool) -> None:
    """Accept a submission: the work enters the library, approved, credited to its artist."""
    _decided(review_api.accept(state.library(), submission), as_json)


@calls.command()
@click.argument("submission")
@click.option("--message", required=True, help="Why, for the artist's status page.")
@JSON
@pass_state
@curator_errors
def decline(state: CliState, submission: str, message: str, as_json: bool) -> None:
    """Decline a submission with a message to the artist."""
    _decided(review_api.decline(state.library(), submission, message), as_json)


@calls.command("ask-change")
@click.argument("submission")
@click.option("--message", required=True, help="What to change, for the artist's status page.")
@JSON
@pass_state
@curator_errors
def ask_change(state: CliState, submission: str, message: str, as_json: bool) -> None:
    """Ask the artist for a change to a submission."""
    _decided(review_api.ask_change(state.library(), submission, message), as_json)
