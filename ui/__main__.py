"""`python -m ui`: start the studio (what `urbanart studio` runs)."""

from __future__ import annotations

if (
    __name__ == "__main__"
):  # worker processes (spawn) import this module too; they must not start a GUI
    from ui.app import main

    raise SystemExit(main())
