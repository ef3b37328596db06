"""Shared fixtures: a real library in a temporary folder and a real CLI runner."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from urbanart.cli.main import cli
from urbanart.library.library import Library

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _own_user_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-user settings (curator name, shared signing key) of each test, never the tester's."""
    monkeypatch.setenv("URBANART_USER_CONFIG", str(tmp_path / "user-config.json"))
    monkeypatch.delenv("URBANART_CURATOR", raising=False)
    monkeypatch.delenv("URBANART_SIGNING_KEY_FILE", raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "library"


@pytest.fixture
def library(home: Path) -> Iterator[Library]:
    lib = Library.open(home)
    yield lib
    lib.close()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture
def run_cli(home: Path):
    """Run `urbanart --home HOME ARGS…` in process, as a user would type it."""

    def run(*args: str) -> CliResult:
        runner = CliRunner()
        result = runner.invoke(cli, ["--home", str(home), *args], catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run
