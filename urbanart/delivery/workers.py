"""`urbanart serve --workers N`: the hub in N processes that share one listening socket.

Why this shape: one hub process is one core (the GIL), and a fleet of a thousand screens wants
more. The supervisor binds the port once (so a busy port is still one clear HubError) and starts
N worker processes that inherit the listening socket's descriptor; each runs the ordinary hub
(server.serve_socket: uvicorn, the same Hub) on it, and the kernel hands every new connection to
whichever worker accepts first. No balancer of our own sits in between, and nothing in the hub
changes: every worker keeps its own tree cache and token map, and the database is the one place
they share. That is also why several workers need PostgreSQL: SQLite lets one writer in at a
time, so workers would queue on its lock and screens would get 503 "busy" under load.

The supervisor runs no requests: it holds the socket, runs the library's timed jobs (the CLI's
job runner lives in its process), starts a worker again if one dies, and on SIGTERM or Ctrl+C
asks every worker to stop gracefully (uvicorn finishes in-flight requests, each hub writes its
last poll times) before it exits. A worker whose supervisor is killed outright notices (the
pipe it inherited reaches end of file) and stops itself, so no orphan keeps serving the port.

POSIX only (descriptor passing); on Windows run one worker.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from urbanart.delivery.server import HubError, bind, raise_descriptor_limit, serve_socket, url_of
from urbanart.library.library import Library

log = logging.getLogger("urbanart.hub")

#: The header naming the worker process that answered (tests and benchmarks check the spread).
WORKER_HEADER = "X-Hub-Worker"
#: Most worker processes one hub may run (each holds a database pool and the tree in memory).
MAX_WORKERS = 64
#: Seconds a worker has to finish in-flight requests after SIGTERM before it is killed.
STOP_GRACE = 15.0
#: A worker that died is started again after this pause (so a crash loop costs little CPU).
RESPAWN_DELAY = 1.0


def check_workers(library: Library, workers: int) -> None:
    """HubError unless `workers` processes can serve this library (1 always can)."""
    if workers < 1 or workers > MAX_WORKERS:
        raise HubError(f"--workers must be from 1 to {MAX_WORKERS}, not {workers}.")
    if workers == 1:
        return
    if library.engine.dialect.name == "sqlite":
        raise HubError(
            f"--workers {workers} needs the library on PostgreSQL (URBANART_DATABASE_URL): "
            "SQLite lets one writer in at a time, so several hub processes would wait on its "
            "lock and screens would be told the hub is busy. Run one worker on SQLite."
        )
    if sys.platform == "win32":
        raise HubError(f"--workers {workers} is not available on Windows; run one worker.")


class Supervisor:
    """Starts, watches and stops the worker processes serving one listening socket."""

    def __init__(
        self,
        home: Path,
        sock: socket.socket,
        workers: int,
        *,
        access_log: bool = False,
    ) -> None:
        self.home = home
        self.sock = sock
        self.count = workers
        self.access_log = access_log
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * workers
        self.stopping = threading.Event()
        # Workers hold the read end; when this process ends for any reason, they read EOF.
        self._alive_r, self._alive_w = os.pipe()

    def _command(self, index: int) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "urbanart.delivery.workers",
            "--home",
            str(self.home),
            "--fd",
            str(self.sock.fileno()),
            "--alive-fd",
            str(self._alive_r),
        ]
        if self.access_log:
            command.append("--access-log")
        if index > 0:  # one worker fetches pull-mode live works' frames, not every one
            command.append("--no-pull")
        return command

    def _spawn(self, index: int) -> None:
        self.procs[index] = subprocess.Popen(
            self._command(index), pass_fds=(self.sock.fileno(), self._alive_r)
        )

    def start(self) -> None:
        for index in range(self.count):
            self._spawn(index)

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p is not None and p.poll() is None]

    def watch(self) -> None:
        """Until stop() is asked for: start again every worker that exited."""
        while not self.stopping.wait(0.2):
            for index, proc in enumerate(self.procs):
                if proc is None or proc.poll() is None:
                    continue
                log.error(
                    "hub worker %d (pid %d) exited with %s; starting it again",
                    index,
                    proc.pid,
                    proc.returncode,
                )
                if self.stopping.wait(RESPAWN_DELAY):
                    return
                self._spawn(index)

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM to every worker (each finishes its in-flight requests), then wait; a worker
        still running after `grace` seconds is killed."""
        self.stopping.set()
        running = [p for p in self.procs if p is not None and p.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("hub worker pid %d did not stop in %.0f s; killing it", proc.pid, grace)
                proc.kill()
                proc.wait()
        os.close(self._alive_r)
        os.close(self._alive_w)


def serve_workers(
    library: Library,
    host: str,
    port: int,
    workers: int,
    *,
    access_log: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve with `workers` processes until Ctrl+C / SIGTERM (blocking); see the module doc."""
    check_workers(library, workers)
    sock = bind(host, port)
    raise_descriptor_limit()
    supervisor = Supervisor(Path(library.home), sock, workers, access_log=access_log)

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        supervisor.stopping.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        supervisor.start()
        if on_ready is not None:
            on_ready(url_of(sock))
        supervisor.watch()
    finally:
        supervisor.stop()
        sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_when_orphaned(alive_fd: int) -> None:
    """Block until the supervisor is gone (EOF on its pipe), then stop this worker gracefully."""
    while os.read(alive_fd, 1):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def worker_main(argv: list[str] | None = None) -> int:
    """One worker: open the library, serve on the inherited socket until SIGTERM."""
    parser = argparse.ArgumentParser(prog="urbanart-hub-worker")
    parser.add_argument("--home", required=True)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--alive-fd", type=int, required=True)
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--no-pull", action="store_true")
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.fd)
    threading.Thread(
        target=_stop_when_orphaned, args=(args.alive_fd,), name="hub-orphan-watch", daemon=True
    ).start()
    raise_descriptor_limit()
    library = Library.open(args.home, create=False)
    try:
        serve_socket(
            library,
            sock,
            access_log=args.access_log,
            extra_headers=[(WORKER_HEADER, str(os.getpid()))],
            pull_frames=not args.no_pull,
        )
    finally:
        library.close()
    return 0


if __name__ == "__main__":
    sys.exit(worker_main())
