"""`urbanart groups`: named sets of screens, so one schedule can reach many."""

from __future__ import annotations

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import JSON, curator_errors, fields, print_json, stderr, table
from urbanart.cli.screens_cmds import warn_untargeted
from urbanart.curation import screens as scr
from urbanart.curation.records import GroupRecord


def _show_group(record: GroupRecord, as_json: bool) -> None:
    if as_json:
        print_json(record.to_json())
        return
    data = record.to_json()
    data["screens"] = ", ".join(record.screens)
    data.pop("screen_ids")
    fields(data.items())


@click.group()
def groups() -> None:
    """Named sets of screens, so one schedule can reach many."""


@groups.command("create")
@click.argument("name")
@click.option("--screen", "screen_refs", multiple=True, help="A member screen (repeatable).")
@click.option("--description", help="What the group is for (e.g. where its screens are).")
@JSON
@pass_state
@curator_errors
def groups_create(
    state: CliState,
    name: str,
    screen_refs: tuple[str, ...],
    description: str | None,
    as_json: bool,
) -> None:
    """Create a group, optionally with its first screens."""
    record = scr.create_group(state.library(), name, screen_refs, description)
    _show_group(record, as_json)


@groups.command("list")
@JSON
@pass_state
@curator_errors
def groups_list(state: CliState, as_json: bool) -> None:
    """List groups and their screens."""
    records = scr.list_groups(state.library())
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table(
        None,
        ("id", "name", "screens", "members"),
        ((r.id, r.name, len(r.screens), ", ".join(r.screens)) for r in records),
    )


@groups.command("show")
@click.argument("group")
@JSON
@pass_state
@curator_errors
def groups_show(state: CliState, group: str, as_json: bool) -> None:
    """Show one group (by id or name)."""
    _show_group(scr.get_group(state.library(), group), as_json)


@groups.command("add")
@click.argument("group")
@click.argument("screen_refs", metavar="SCREEN...", nargs=-1, required=True)
@JSON
@pass_state
@curator_errors
def groups_add(state: CliState, group: str, screen_refs: tuple[str, ...], as_json: bool) -> None:
    """Add screens to a group."""
    _show_group(scr.add_to_group(state.library(), group, screen_refs), as_json)


@groups.command("remove")
@click.argument("group")
@click.argument("screen_refs", metavar="SCREEN...", nargs=-1, required=True)
@JSON
@pass_state
@curator_errors
def groups_remove(state: CliState, group: str, screen_refs: tuple[str, ...], as_json: bool) -> None:
    """Take screens out of a group (the screens themselves stay)."""
    _show_group(scr.remove_from_group(state.library(), group, screen_refs), as_json)


@groups.command("delete")
@click.argument("group")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@JSON
@pass_state
@curator_errors
def groups_delete(state: CliState, group: str, yes: bool, as_json: bool) -> None:
    """Delete a group; its screens stay, schedules stop reaching them through it."""
    library = state.library()
    record = scr.get_group(library, group)
    if not yes:
        click.confirm(f"Delete the group {record.name!r}?", abort=True)
    deletion = scr.delete_group(library, record.id)
    if as_json:
        print_json(deletion.to_json())
    else:
        stderr.print(f"Deleted group {deletion.group.id} ({deletion.group.name}).")
    warn_untargeted(deletion.untargeted)
