"""Fitting a table's columns into its width: the long cells give way, the short facts stay whole.

Shared by the tables that must read at a 1280×800 window without scrolling sideways (Screens,
Schedules): each column asks for its content's width, a column may be held at a floor it is
never squeezed below, and the widest columns are capped first; a cut cell keeps its whole text
in a tooltip.
"""

from __future__ import annotations


def fit_widths(wanted: list[int], floors: list[int], available: int) -> list[int]:
    """Column widths that fit `available` px: each as wide as it wants, the widest capped
    first (never below its floor, the header's width), so the short facts (zone, size, state)
    stay whole and only long names and messages are shortened, with a tooltip to read them."""
    if sum(wanted) <= available:
        return list(wanted)
    low, high = 0, max(wanted)
    while low < high:  # the largest cap whose capped widths still fit
        cap = (low + high + 1) // 2
        if sum(min(w, max(cap, f)) for w, f in zip(wanted, floors, strict=True)) <= available:
            low = cap
        else:
            high = cap - 1
    return [min(w, max(low, f)) for w, f in zip(wanted, floors, strict=True)]
