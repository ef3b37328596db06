"""`urbanart studio`: start the desktop studio on the same library, without importing it here.

The engine never imports the studio (ui/), so this command starts it as its own program: the
`urbanart-studio` GUI script when the package is installed with it, else `python -m ui`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from importlib.metadata import entry_points

import click

from urbanart.cli.context import CliState, pass_state

GUI_SCRIPT = "urbanart-studio"


def studio_command_line(home: str | None) -> list[str]:
    """The command that starts the studio: its installed GUI script, else `python -m ui`."""
    args = ["--home", home] if home else []
    installed = entry_points(group="gui_scripts", name=GUI_SCRIPT)
    script = shutil.which(GUI_SCRIPT) if installed else None
    if script:
        return [script, *args]
    if importlib.util.find_spec("ui") is None:
        raise click.ClickException(
            "The desktop studio is not installed here; install the package with its studio "
            "(pip install urbanart) and try again."
        )
    return [sys.executable, "-m", "ui", *args]


@click.command("studio")
@click.option("--wait/--no-wait", default=True, help="Return only when the studio is closed.")
@pass_state
def studio(state: CliState, wait: bool) -> None:
    """Open the desktop studio on this library."""
    command = studio_command_line(state.home)
    env = dict(os.environ)
    if wait:
        studio = subprocess.Popen(command, env=env)
        # Ctrl+C in this terminal reaches the studio too, which closes its window (saving its
        # state); waiting for that instead of killing it keeps the curator's work.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            raise SystemExit(studio.wait())
        finally:
            signal.signal(signal.SIGINT, previous)
    subprocess.Popen(command, env=env, start_new_session=True)
