"""Every refused value names its field's key, so the studio's forms place messages by key."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from urbanart.curation import schedules, screens
from urbanart.errors import InvalidValue
from urbanart.library.library import Library

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r"[a-z][a-z0-9_]*")


def _raise_sites() -> list[tuple[str, int, ast.Call]]:
    sites = []
    for package in ("urbanart", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and (
                    getattr(node.func, "id", None) == "InvalidValue"
                    or getattr(node.func, "attr", None) == "InvalidValue"
                ):
                    sites.append((str(path.relative_to(ROOT)), node.lineno, node))
    return sites


def test_every_invalid_value_passes_a_key_that_is_an_identifier() -> None:
    sites = _raise_sites()
    assert len(sites) > 50, "the walk found the engine's raise sites"
    missing = [f"{path}:{line}" for path, line, call in sites
               if not any(k.arg == "key" for k in call.keywords)]  # fmt: skip
    assert missing == [], f"InvalidValue without key=: {missing}"
    literal = [
        (f"{path}:{line}", k.value.value)
        for path, line, call in sites
        for k in call.keywords
        if k.arg == "key" and isinstance(k.value, ast.Constant)
    ]
    assert literal, "most keys are written out at the raise site"
    assert [(where, key) for where, key in literal if not KEY.fullmatch(key)] == []


def test_the_key_is_the_parameter_not_the_label(library: Library) -> None:
    """The message keeps the curator's wording; the key is what the form and code match on."""
    with pytest.raises(InvalidValue) as refused:
        screens.add_screen(library, "Kiosk", tz="Mars/Olympus", size="1920x1080")
    assert (refused.value.field, refused.value.key) == ("time zone", "tz")
    assert str(refused.value).startswith("time zone 'Mars/Olympus':")
    with pytest.raises(InvalidValue) as refused:
        screens.add_screen(library, "Kiosk", tz="UTC", size="1920x1080", push_url="ftp://x")
    assert (refused.value.field, refused.value.key) == ("push URL", "push_url")
    with pytest.raises(InvalidValue) as refused:
        schedules.add_schedule(library, "none", screens=["Kiosk"], start_date="2026-13-01")
    assert (refused.value.field, refused.value.key) == ("start date", "start_date")
