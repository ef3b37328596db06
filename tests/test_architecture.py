"""The engine stays free of Qt, so the hub, the CLI and the player core run headless."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_importing_every_engine_module_loads_no_qt() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import urbanart
        names = [m.name for m in pkgutil.walk_packages(urbanart.__path__, "urbanart.")
                 if ".migrations" not in m.name]
        for name in names:
            importlib.import_module(name)
        qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "ui"))
        print(len(names), ",".join(qt))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    count, qt = (
        out.stdout.strip().split(" ", 1) if " " in out.stdout.strip() else (out.stdout.strip(), "")
    )
    assert int(count) >= 10, "the walk found the engine's modules"
    assert qt == "", f"engine modules pulled in Qt: {qt}"
