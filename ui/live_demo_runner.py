"""Runs the demo's live generator beside the studio's hub, so `make studio` shows a live work.

When the open library holds the demo live work (urbanart.live.demo) and the studio's hub is
up, the studio starts ``urbanart live run <token> --hub <hub> -- python -m
urbanart.live.demo_generator --out {out} --every 5`` as a child process: the generator draws a
collage every five seconds and ``live run`` signs and posts each one to the hub, the same path
an artist's program takes. The child runs in its own process group, so stopping it (another
library opened, the hub restarted, the studio quit) ends the generator too, never anything
else. A curator's own library without the demo live work starts nothing; QSettings key
``live/demo_generator`` = false turns it off altogether.

The child's standard error goes to the studio's log line by line, and a child that ends on its
own (the hub refused a frame, the generator crashed) leaves its last line in ``status`` and the
status bar: a live demo that silently stopped is what this watch is for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from ui.operations import submit
from urbanart.library.library import Library
from urbanart.live.demo import demo_generator_command, demo_live_work

log = logging.getLogger(__name__)

#: QSettings key: "false" keeps the studio from starting the demo's generator.
SETTING = "live/demo_generator"


class DemoGeneratorRunner(QObject):
    """Owns at most one generator child process; ``status`` says what it is doing."""

    status_changed = Signal(str)
    _ended = Signal(int, int, str)  # generation, exit status, the child's last line (any thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._generation = 0
        self._ended.connect(self._on_ended)

    def start(self, library: Library, hub: str) -> None:
        """Look for the demo live work in the background; run its generator when found."""
        self.stop()
        self._generation += 1
        generation, home = self._generation, library.home

        def launched(process: subprocess.Popen[bytes] | None) -> None:
            if process is None:
                return
            if generation != self._generation:  # stopped (or restarted) meanwhile
                _end(process, wait=False)
                return
            self.process = process
            self._set("Live demo: a new collage every 5 seconds")
            threading.Thread(
                target=self._watch, args=(process, generation), name="live-demo-watch", daemon=True
            ).start()

        submit(
            lambda _ctx: _launch(library, home, hub),
            on_success=launched,
            on_failure=lambda exc, _trace: self._set(f"Live demo not started: {exc}"),
            label="start the live demo generator",
            receiver=self,
        )

    def stop(self, *, wait: bool = False) -> None:
        """End the generator (SIGTERM to its process group); ``wait`` only when quitting."""
        self._generation += 1
        process, self.process = self.process, None
        if process is not None:
            _end(process, wait=wait)
            self._set("")

    def _watch(self, process: subprocess.Popen[bytes], generation: int) -> None:
        """Log the child's standard error; say when it ended (off the GUI thread)."""
        last: deque[str] = deque(maxlen=1)
        assert process.stderr is not None
        with process.stderr:
            for raw in process.stderr:
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    log.warning("live demo generator: %s", line)
                    last.append(line)
        code = process.wait()
        with contextlib.suppress(RuntimeError):  # the studio quit meanwhile: nobody to tell
            self._ended.emit(generation, code, last[0] if last else "")

    @Slot(int, int, str)
    def _on_ended(self, generation: int, code: int, last: str) -> None:
        if generation != self._generation:  # stopped on purpose (or replaced): not news
            return
        self.process = None
        reason = f": {last}" if last else ""
        self._set(f"Live demo stopped (exit status {code}){reason}")

    def _set(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)


def _launch(library: Library, home: Path, hub: str) -> subprocess.Popen[bytes] | None:
    found = demo_live_work(library)
    if found is None:
        return None
    command = demo_generator_command(home, found[2], hub)
    log.info("starting the live demo generator: %s", " ".join(command[:6]))
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # read by DemoGeneratorRunner._watch
        start_new_session=True,  # its own process group: stopping it ends the generator too
    )


def _end(process: subprocess.Popen[bytes], *, wait: bool) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if wait:
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=3)
    else:  # reaped in the background, so no zombie is left behind
        submit(lambda _ctx: _reap(process), label="stop the live demo generator")


def _reap(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
