"""The engine stays free of Qt, so the hub, the CLI and the player core run headless; the player
core stands on the protocol alone, so a screen needs no database, no Pillow and no templates."""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: What a screen must never load: the catalogue's stack and everything above the protocol.
PLAYER_MUST_NOT_LOAD = (
    "sqlalchemy",
    "alembic",
    "PIL",
    "jinja2",
    "urbanart.library",
    "urbanart.curation",
    "urbanart.delivery",
    "urbanart.viewers",
    "urbanart.imaging",
    "urbanart.cli",
)


def _import_all_and_list_loaded(package: str, prefixes: tuple[str, ...]) -> tuple[int, list[str]]:
    """In a fresh interpreter, import every module of package; return how many there were and
    the loaded modules that are, or sit under, one of prefixes."""
    script = textwrap.dedent(
        f"""
        import importlib, pkgutil, sys
        package = importlib.import_module({package!r})
        names = [m.name for m in pkgutil.walk_packages(package.__path__, {package!r} + ".")
                 if ".migrations" not in m.name]
        for name in names:
            importlib.import_module(name)
        prefixes = {prefixes!r}
        loaded = sorted(m for m in sys.modules
                        if any(m == p or m.startswith(p + ".") for p in prefixes))
        print(len(names), ",".join(loaded))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    count, _, loaded = out.stdout.strip().partition(" ")
    return int(count), [m for m in loaded.split(",") if m]


def test_importing_every_engine_module_loads_no_qt() -> None:
    count, qt = _import_all_and_list_loaded("urbanart", ("PySide6", "shiboken6", "ui"))
    assert count >= 10, "the walk found the engine's modules"
    assert qt == [], f"engine modules pulled in Qt: {qt}"


def test_importing_every_player_module_loads_no_database_pillow_templates_or_library() -> None:
    count, loaded = _import_all_and_list_loaded("urbanart.player", PLAYER_MUST_NOT_LOAD)
    assert count >= 8, "the walk found the player's modules"
    offenders = [p for p in PLAYER_MUST_NOT_LOAD if any(m.startswith(p) for m in loaded)]
    assert loaded == [], f"player modules pulled in {offenders}: {loaded[:10]}"
