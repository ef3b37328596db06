"""Clocks for the player: the system clock, and a manual one so tests and demos drive time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        """Wait up to seconds, returning early when stop is set."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        stop.wait(max(0.0, seconds))


class ManualClock:
    """Time moves only when told to (set/advance, or a sleep, which advances instantly)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, value: datetime) -> None:
        with self._lock:
            self._now = value.astimezone(UTC)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        self.advance(max(0.0, seconds))
