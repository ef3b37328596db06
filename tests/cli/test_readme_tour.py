"""The README's CLI tour works as written, in order, on a fresh library with the demo in it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Commands that run until stopped: other tests start them with their own stop conditions.
LONG_RUNNING = ("urbanart serve", "urbanart player")


def tour_commands() -> list[str]:
    """Each command of the tour's shell blocks, comments dropped, `;` and `&&` chains split."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A short CLI tour", 1)[1].split("\n### ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", tour, re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            commands += [c.strip() for c in re.split(r" ; | && ", line) if c.strip()]
    return commands


def test_the_tour_is_found() -> None:
    commands = tour_commands()
    assert commands[:2] == ["urbanart init", "urbanart demo"]
    assert any("--metadata assets/examples/sheet.csv" in c for c in commands)
    assert len(commands) > 20


def test_every_tour_command_works_as_written_on_the_demo(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for folder in ("assets", "playlists"):  # the tour runs from a checkout's root
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    ran = 0
    for command in tour_commands():
        if command.startswith(LONG_RUNNING):
            continue
        words = shlex.split(command)
        assert words[0] == "urbanart", command
        if words[1:3] == ["artworks", "edit"] and "--alt-text" in words:
            # the example's words describe the work it names (the demo's own alt text says so)
            before = run_cli("artworks", "show", words[3], "--json").json()
            assert "waves" in before["alt_text"], (command, before["alt_text"])
        result = run_cli(*words[1:])
        assert result.exit_code == 0, f"`{command}` failed: {result.stderr[-800:]}"
        if words[1:3] == ["artworks", "list"]:
            found = run_cli(*words[1:], "--json").json()
            assert found, f"`{command}` lists nothing on the demo"
        ran += 1
    assert ran > 20
    assert (tmp_path / "sign.pdf").read_bytes().startswith(b"%PDF")
    imported = {w["title"] for w in run_cli("artworks", "list", "--json").json()}
    assert {"Night Ferry", "Tide Clock", "Green Static"} <= imported  # from the sample sheet
