"""The command line as a whole: every option explains itself, numbers are typed as numbers,
and `urbanart --version` / `--help` start without importing the engine."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import click
import pytest

from urbanart.cli.lazy_group import LazyGroup
from urbanart.cli.main import cli

#: Options that take a number, by parameter name: each must be typed as one (click INT, FLOAT
#: or a range of them), so a typo is refused before anything runs and --help says NUMBER.
NUMERIC = {
    "days",
    "duration",
    "transition_seconds",
    "position",
    "lat",
    "lon",
    "poll_interval",
    "priority",
    "port",
    "push_port",
    "limit",
    "timeout",
    "retries",
    "workers",
}
#: Options with a numeric-sounding name that take text: `schedules --days mon-fri`.
NAMED_LIKE_NUMBERS = {("schedules add", "days"), ("schedules edit", "days")}

#: What `urbanart --version` and `urbanart --help` must not load: the engine's heavy stack.
HEAVY = ("sqlalchemy", "PIL", "jinja2", "rich", "requests", "urbanart.library", "urbanart.delivery")


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join((*path, name))} is listed but does not load"
        yield " ".join((*path, name)), command
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))


ALL = [(name, command) for name, command in walk(cli)]


def test_the_walk_reaches_every_command() -> None:
    names = {name for name, _ in ALL}
    assert {"link", "publish", "report plays", "screens sign", "playlists set-item"} <= names
    assert len(names) > 50


@pytest.mark.parametrize(("name", "command"), ALL, ids=[n for n, _ in ALL])
def test_every_option_has_help_text(name: str, command: click.Command) -> None:
    bare = [
        param.opts[0]
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()
    ]
    assert bare == [], f"`urbanart {name}`: options without help text: {bare}"


def test_numeric_options_are_typed_as_numbers() -> None:
    found: dict[str, list[str]] = {}
    for name, command in ALL:
        for param in command.params:
            if isinstance(param, click.Option) and param.name in NUMERIC:
                if (name, param.name) in NAMED_LIKE_NUMBERS:
                    continue
                ok = isinstance(param.type, click.types.IntParamType | click.types.FloatParamType)
                found.setdefault(param.name, []).append("" if ok else f"{name} {param.opts[0]}")
    assert set(found) == NUMERIC, f"numeric names no command has: {NUMERIC - set(found)}"
    untyped = [where for places in found.values() for where in places if where]
    assert untyped == [], f"numeric options taking text: {untyped}"


def _lazy_entries() -> Iterator[tuple[str, str, click.Command]]:
    for name, command in [("", cli), *ALL]:
        if isinstance(command, LazyGroup):
            for sub, entry in command.lazy.items():
                yield f"{name} {sub}".strip(), entry.summary, entry.load()


def test_each_listed_summary_is_its_commands_own_first_sentence() -> None:
    entries = list(_lazy_entries())
    assert len(entries) >= 20
    wrong = {
        name: (summary, command.get_short_help_str(10_000))
        for name, summary, command in entries
        if summary != command.get_short_help_str(10_000)
    }
    assert wrong == {}


def _modules_loaded_by(*args: str) -> tuple[str, list[str]]:
    script = textwrap.dedent(
        f"""
        import sys
        from urbanart.cli.main import main
        sys.argv = ["urbanart", *{args!r}]
        try:
            main()
        except SystemExit:
            pass
        heavy = {HEAVY!r}
        print("LOADED:" + ",".join(sorted(
            m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    text, _, loaded = out.stdout.rpartition("LOADED:")
    return text, [m for m in loaded.strip().split(",") if m]


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("screens", "--help")])
def test_version_and_help_load_none_of_the_engine(args: tuple[str, ...]) -> None:
    text, loaded = _modules_loaded_by(*args)
    assert ("urbanart, version" in text) if args == ("--version",) else ("Commands:" in text)
    if args[0] == "screens":  # a group's help loads that group's module, and with it the engine
        assert "sign" in text and "status" in text
        return
    assert loaded == [], f"`urbanart {' '.join(args)}` imported {loaded[:8]}"


def test_a_command_still_loads_what_it_needs() -> None:
    _, loaded = _modules_loaded_by("artists", "--help")
    assert "sqlalchemy" in loaded  # the check above would see a heavy import if one happened
