"""`urbanart curator` (who edits from this machine, and where the shared signing key is) and
`urbanart audit` (who changed what, when).

Why per user, not per library: several curators share one catalogue; each machine says who its
curator is and where it finds the exhibition's signing key (urbanart.library.user_config).
"""

from __future__ import annotations

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fields, print_json, table


@click.command("curator")
@click.argument("name", required=False)
@click.option(
    "--signing-key-file",
    metavar="PATH",
    help="The exhibition's shared manifest-signing key file (\"\" to use the library's own).",
)
@JSON
@curator_errors
def curator(name: str | None, signing_key_file: str | None, as_json: bool) -> None:
    """Show or set your curator name (the audit log and "changed by" messages show it) and the
    shared signing key file. URBANART_CURATOR and URBANART_SIGNING_KEY_FILE override both."""
    from urbanart.library import user_config

    if name is not None:
        user_config.set_curator_name(name)
    if signing_key_file is not None:
        user_config.set_signing_key_file(signing_key_file)
    key_file = user_config.signing_key_file()
    shown = {
        "curator": user_config.curator_name(),
        "signing_key_file": str(key_file) if key_file is not None else None,
        "settings_file": str(user_config.user_config_path()),
    }
    if as_json:
        print_json(shown)
    else:
        fields(shown.items())


@click.command("audit")
@click.option("--artwork", metavar="ID", help="Only this artwork's history (id or title).")
@click.option("--artist", metavar="ID", help="Only this artist's history (id or name).")
@click.option("--playlist", metavar="ID", help="Only this playlist's history (id or name).")
@click.option("--schedule", metavar="ID", help="Only this schedule's history (id or name).")
@click.option("--screen", metavar="ID", help="Only this screen's history (id or name).")
@click.option("--group", metavar="ID", help="Only this screen group's history (id or name).")
@click.option(
    "--limit", type=click.IntRange(1, 100_000), default=200, show_default=True, help="At most."
)
@JSON
@pass_state
@curator_errors
def audit(
    state: CliState,
    artwork: str | None,
    artist: str | None,
    playlist: str | None,
    schedule: str | None,
    screen: str | None,
    group: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Who changed what, when: every curation edit, newest first (all, or one thing's)."""
    from urbanart.library.audit import entity_history

    chosen = {
        kind: ref
        for kind, ref in (
            ("artwork", artwork),
            ("artist", artist),
            ("playlist", playlist),
            ("schedule", schedule),
            ("screen", screen),
            ("group", group),
        )
        if ref is not None
    }
    if len(chosen) > 1:
        raise click.UsageError(
            "Name at most one of --artwork, --artist, --playlist, --schedule, --screen and --group."
        )
    kind, ref = next(iter(chosen.items()), (None, None))
    entries = entity_history(state.library(), kind, ref, limit=limit)
    if as_json:
        print_json([e.to_json() for e in entries])
        return
    table(
        "Audit log",
        ["When (UTC)", "Curator", "Action", "What", "Id", "Summary"],
        [
            (f"{e.at:%Y-%m-%d %H:%M:%S}", e.curator, e.action, e.kind, e.entity_id, e.summary)
            for e in entries
        ],
    )
