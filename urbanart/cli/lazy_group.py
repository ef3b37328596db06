"""A click group that imports a command's module only when that command is used.

Why: every command module stands on the engine (SQLAlchemy, Pillow, the templates…), which takes
over a second to import; `urbanart --version` and `urbanart --help` need none of it. This is
click's documented "lazily loading subcommands" pattern, plus one line of summary per command so
that listing the commands in `--help` imports none of them either (a test checks each summary
against its command's own docstring).
"""

from __future__ import annotations

import importlib
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives ("package.module:attribute") and the line `--help` shows for it."""

    target: str
    summary: str

    def load(self) -> click.Command:
        module_name, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")  # a wiring mistake
        return command


class LazyGroup(click.Group):
    """A click group whose `lazy` commands are imported the first time they are looked up."""

    def __init__(
        self, *args: Any, lazy: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.lazy[cmd_name].load(), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from their summaries, without importing the ones not loaded yet."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if not loaded.hidden:
                    rows.append((name, loaded.get_short_help_str(limit)))
            else:
                rows.append(
                    (name, textwrap.shorten(self.lazy[name].summary, limit, placeholder="..."))
                )
        with formatter.section("Commands"):
            formatter.write_dl(rows)
