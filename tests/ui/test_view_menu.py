"""View ▸ <view> and Ctrl+1…Ctrl+8 switch the studio's view, not only the menu's check marks."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.main_window import VIEWS, MainWindow

KEYS = [key for key, *_ in VIEWS]
DIGITS = [getattr(Qt.Key, f"Key_{n}") for n in range(1, len(KEYS) + 1)]


def shown(window: MainWindow) -> str:
    """The key of the view the stack shows (what the curator sees), not the sidebar's row."""
    current = window.stack.currentWidget()
    return next(key for key, view in window.views.items() if view is current)


def checked(window: MainWindow) -> list[str]:
    return [key for key, act in zip(KEYS, window.view_actions, strict=True) if act.isChecked()]


def test_each_view_menu_action_shows_its_view(open_window, demo_home) -> None:
    window = open_window(demo_home)
    assert shown(window) == "library"
    # every other view in turn, then back to the first: each trigger is a real change
    for n in [*range(1, len(KEYS)), 0]:
        window.view_actions[n].trigger()
        assert shown(window) == KEYS[n]
        assert window.current_view_key() == KEYS[n]
        assert checked(window) == [KEYS[n]]


def test_triggering_the_current_view_keeps_it_shown_and_ticked(open_window, demo_home) -> None:
    window = open_window(demo_home)
    window.view_actions[2].trigger()
    window.view_actions[2].trigger()  # a checkable action unticks itself on a second trigger
    assert shown(window) == KEYS[2]
    assert checked(window) == [KEYS[2]]


def test_ctrl_digit_shortcuts_switch_views(qtbot, open_window, demo_home) -> None:
    window = open_window(demo_home)
    assert len(DIGITS) == len(KEYS)
    for n in [*range(len(KEYS) - 1, -1, -1)]:  # Publish first: Ctrl+1 last is a real change
        qtbot.keyClick(window.sidebar, DIGITS[n], Qt.KeyboardModifier.ControlModifier)
        assert shown(window) == KEYS[n], f"Ctrl+{n + 1}"
        assert checked(window) == [KEYS[n]]
