"""`urbanart studio` starts the studio as its own program; the engine never imports ui."""

from __future__ import annotations

import subprocess
import sys

from urbanart.cli.studio_cmd import studio_command_line


def test_the_command_runs_the_studio_module_on_the_chosen_library(tmp_path) -> None:
    command = studio_command_line(str(tmp_path))
    assert command[-2:] == ["--home", str(tmp_path)]
    assert command[:3] == [sys.executable, "-m", "ui"] or command[0].endswith("urbanart-studio")


def test_the_studio_module_answers_help_without_opening_a_window() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ui", "--help"], capture_output=True, text=True, check=True
    )
    assert "--home" in out.stdout
