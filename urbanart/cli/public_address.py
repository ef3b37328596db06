"""The warning commands that make public links print while the public address is loopback."""

from __future__ import annotations

from rich.markup import escape

from urbanart.cli.output import stderr
from urbanart.library.library import Library
from urbanart.library.public_address import public_address_warning
from urbanart.library.settings import load_settings


def warn_if_public_address_is_local(library: Library) -> None:
    """Print the public-address warning to stderr (once per command), when there is one.

    Why stderr: stdout carries the link or the JSON a script reads; the warning is for the
    person at the terminal.
    """
    warning = public_address_warning(load_settings(library))
    if warning is not None:
        stderr.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
