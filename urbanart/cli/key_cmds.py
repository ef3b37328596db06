"""`urbanart key show` and `urbanart key rotate`: the library's manifest-signing key.

Why a fingerprint to show: a screen paired over plain http:// trusts the key it fetched then;
comparing the fingerprint the player prints with this one is how the person pairing it knows no
one in between swapped the key.
"""

from __future__ import annotations

from datetime import timedelta

import click

from urbanart.cli.context import CliState, pass_state
from urbanart.cli.output import curator_errors, print_json
from urbanart.delivery.signing import DEFAULT_GRACE, pinned_key_id, rotate_key, signing_key


@click.group("key")
def key() -> None:
    """The library's manifest-signing key (screens pin it when they are paired)."""


@key.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_state
@curator_errors
def show(state: CliState, as_json: bool) -> None:
    """Print the key's fingerprint (key id), to compare with what a player printed at pairing."""
    current = signing_key(state.library().home)
    if as_json:
        print_json(
            {
                "key_id": current.key_id,
                "public_key": current.public_pem.decode("ascii"),
                "path": str(current.path),
                "pinned_key_id": pinned_key_id(state.library()),
            }
        )
        return
    click.echo(f"Signing key fingerprint: {current.key_id}")
    click.echo(f"Key file: {current.path}")
    pinned = pinned_key_id(state.library())
    if pinned is not None and pinned != current.key_id:
        click.echo(f"Screens expect key {pinned}: publishing with this key is refused.")
    click.echo(current.public_pem.decode("ascii").rstrip())


@key.command("rotate")
@click.option(
    "--grace-days",
    type=click.IntRange(1, 3650),
    default=DEFAULT_GRACE.days,
    show_default=True,
    help="How long manifests announce the new key; screens off for longer must be re-paired.",
)
@pass_state
@curator_errors
def rotate(state: CliState, grace_days: int) -> None:
    """Make a new signing key. The next publication signs with it and announces it, signed by
    the old key, so paired screens follow without re-pairing."""
    old, new = rotate_key(state.library().home, grace=timedelta(days=grace_days))
    click.echo(f"New signing key {new.key_id} replaces {old.key_id}.")
    click.echo(
        f"Publish now: for {grace_days} day(s) manifests announce the new key, signed by the old "
        "one, and paired screens switch to it."
    )
