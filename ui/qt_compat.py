"""Work-arounds for known bugs of the Qt bindings, applied once when the studio starts.

PySide6 6.12.0 on CPython 3.11 hands ``None``, ``True`` and ``False`` back to Python (every
``void`` or ``bool`` method, ``QModelIndex.data()`` with no value…) without adding the
reference it returns. CPython 3.12+ makes these objects immortal so nothing happens there; on
3.11 their counts fall by one per call and the process aborts ("deallocating None") after
~10^5 calls, a minute of scrolling. PySide6 6.11 does not have the bug. We give the singletons
a headroom of 2^40 references, which no session can use up; if the bindings are fixed, the
extra references cost nothing.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 40
_applied = False


def keep_none_alive() -> None:
    """Apply the refcount headroom once (CPython before 3.12 only)."""
    global _applied
    if _applied or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False, Ellipsis, NotImplemented):
        ctypes.c_ssize_t.from_address(id(singleton)).value += HEADROOM
    _applied = True
