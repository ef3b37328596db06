"""The library a command works on, opened once per invocation from --home or the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from urbanart.library.library import Library


@dataclass
class CliState:
    home: str | None
    _library: Library | None = field(default=None, repr=False)

    def library(self) -> Library:
        if self._library is None:
            # Imported here: `urbanart --version` and `--help` never load the catalogue's stack.
            from urbanart.library.library import Library

            self._library = Library.open(self.home)
        return self._library

    def close(self) -> None:
        if self._library is not None:
            self._library.close()


pass_state = click.make_pass_decorator(CliState)
