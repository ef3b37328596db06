"""The built wheel, installed in a fresh venv (not editable), runs the CLI and a demo import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_runs_the_demo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("urbanart-*.whl")
    env_dir = tmp_path / "venv"
    # A fresh venv without a pip of its own: this test process's pip installs into it
    # (`pip --python`), the wheel and every dependency it declares, as `pip install` there
    # would. Bootstrapping pip (ensurepip) and byte-compiling every dependency (--no-compile;
    # Python compiles what it imports) cost ~15 s of CPU and test nothing of ours.
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-compile", str(wheel)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    cli = env_dir / "bin" / "urbanart"
    env = {**os.environ, "URBANART_HOME": str(tmp_path / "home")}
    env.pop("PYTHONPATH", None)
    help_out = subprocess.run(
        [str(cli), "--help"], check=True, capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert "import" in help_out.stdout and "artworks" in help_out.stdout
    demo = subprocess.run(
        [str(cli), "demo", "--json"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert demo.returncode == 0, demo.stderr
    records = [json.loads(line) for line in demo.stdout.splitlines()]
    assert len(records) == 25
    assert {r["status"] for r in records} == {"imported"}
    # the example playlists travel in the wheel too: the demo's screens and playlists exist
    listed = subprocess.run(
        [str(cli), "playlists", "list", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert {p["name"] for p in json.loads(listed.stdout)} == {
        "Night Shift", "Morning Light", "Portrait Walls", "Live Collages",
    }  # fmt: skip
    # The installed package is the wheel, not this checkout.
    where = subprocess.run(
        [str(python), "-c", "import urbanart; print(urbanart.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert str(env_dir) in where.stdout


def test_pyside_addons_is_pinned_to_exactly_the_essentials_version() -> None:
    """PySide6-Addons' wheel requires Essentials at its own version: the player-web extra pins
    both to one version, the test extra installs the same pair, and it is within the studio's
    own Essentials range."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]

    def pins(requirements: list[str]) -> dict[str, str]:
        found = {}
        for line in requirements:
            req = Requirement(line)
            if req.name.lower().startswith("pyside6"):
                (spec,) = req.specifier
                assert spec.operator == "==", line
                found[req.name.lower()] = spec.version
        return found

    extra = pins(project["optional-dependencies"]["player-web"])
    assert set(extra) == {"pyside6-essentials", "pyside6-addons"}
    assert extra["pyside6-essentials"] == extra["pyside6-addons"]
    assert pins(project["optional-dependencies"]["test"]) == extra
    (base,) = [Requirement(r) for r in project["dependencies"] if r.startswith("PySide6-")]
    assert extra["pyside6-essentials"] in base.specifier
