"""How the CLI talks: rich tables for people, JSON for programs, one style of error message."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from urbanart.errors import Ambiguous, InvalidValue, MetadataError, UrbanArtError

F = TypeVar("F", bound=Callable[..., Any])

#: Errors that mean "what you typed is wrong" (exit 2, like click's own usage errors).
USAGE_ERRORS = (InvalidValue, MetadataError, Ambiguous)

#: The `--json` flag every listing and showing command takes.
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def print_json_line(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    stdout.print(t)


def fields(pairs: Iterable[tuple[str, Any]]) -> None:
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    for key, value in pairs:
        t.add_row(key, "" if value is None else str(value))
    stdout.print(t)


def fail(message: str, code: int = 1) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    sys.exit(code)


def curator_errors(func: F) -> F:
    """Turn engine errors into one clear line and an exit status, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except USAGE_ERRORS as exc:
            fail(str(exc), 2)
        except UrbanArtError as exc:
            fail(str(exc), 1)
        return None

    return wrapper  # type: ignore[return-value]
