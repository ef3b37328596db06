"""Push fan-out: 500 screens, 10% of them silent, against one request to a silent screen.

Starts 500 receivers on 127.0.0.1 (one asyncio loop, one listening port each; 1 in 10 reads the
push and never answers), makes a library with 500 push screens and publishes it, then times
`push()` to all of them with a (connect, read) timeout of T. The baseline, measured in the same
run, is one push to a single silent receiver: about T. The goal is a total under twice that:
silent screens must cost one timeout together, not one each.

Ends with lines `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from urbanart.delivery.publisher import publish  # noqa: E402
from urbanart.delivery.push import push  # noqa: E402
from urbanart.library.library import Library  # noqa: E402
from urbanart.library.models import Screen  # noqa: E402

MAX_HEADER_BYTES = 64 * 1024


async def _serve_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, silent: bool):
    """A minimal HTTP/1.1 receiver: read each request whole, answer 204 (or never, if silent)."""
    try:
        for _ in range(10_000):  # bounded: one connection never serves more than this
            head = await reader.readuntil(b"\r\n\r\n")
            if len(head) > MAX_HEADER_BYTES:
                break
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            if silent:
                await asyncio.sleep(3600)  # cancelled when the bench stops
                break
            writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    except asyncio.CancelledError:
        return  # the bench is over
    finally:
        writer.close()


def _receiver_process(count: int, silent_every: int, conn: Connection) -> None:
    """Child process: `count` listening ports on one event loop until told to stop.

    Receivers live in their own process, as screens live on their own machines: sharing the
    pushing process's interpreter would make the bench measure our GIL, not the push.
    """

    async def run() -> None:
        ports = []
        for index in range(count):
            silent = index % silent_every == 0

            async def handler(r, w, silent=silent):
                await _serve_one(r, w, silent)

            server = await asyncio.start_server(handler, "127.0.0.1", 0, backlog=128)
            ports.append((server.sockets[0].getsockname()[1], silent))
        conn.send(ports)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"

    asyncio.run(run())


class Receivers:
    """`count` receivers in a child process; 1 in silent_every never answers."""

    def __init__(self, count: int, silent_every: int) -> None:
        self.parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(
            target=_receiver_process, args=(count, silent_every, child), daemon=True
        )
        self.ports: list[int] = []
        self.silent: set[int] = set()

    def __enter__(self) -> Receivers:
        self.process.start()
        if not self.parent.poll(60):
            raise RuntimeError("the receivers did not start")
        for port, silent in self.parent.recv():
            self.ports.append(port)
            if silent:
                self.silent.add(port)
        return self

    def __exit__(self, *exc: object) -> None:
        self.parent.send("stop")
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=500)
    parser.add_argument("--silent-every", type=int, default=10, help="1 in N never answers")
    parser.add_argument("--timeout", type=float, default=1.0, help="T, seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp, Receivers(args.screens, args.silent_every) as rx:
        library = Library.open(Path(tmp) / "library")
        with library.session() as session:
            session.execute(
                insert(Screen),
                [
                    {
                        "name": f"Screen {i:04d}",
                        "timezone": "Europe/Berlin",
                        "width": 1920,
                        "height": 1080,
                        "poll_token": f"bench-token-{i:06d}-abcdefgh",
                        "push_url": f"http://127.0.0.1:{port}/push",
                    }
                    for i, port in enumerate(rx.ports)
                ],
            )
            ids = session.scalars(select(Screen.id).order_by(Screen.id)).all()
            library.secrets.write({screen_id: f"secret-{screen_id}" for screen_id in ids})
        started = time.perf_counter()
        result = publish(library)
        publish_seconds = time.perf_counter() - started
        print(f"published {len(result.screens)} screens in {publish_seconds:.2f} s")

        silent_name = f"Screen {0:04d}"
        started = time.perf_counter()
        (single,) = push(library, screens=[silent_name], timeout=args.timeout)
        baseline = time.perf_counter() - started
        assert not single.ok

        started = time.perf_counter()
        outcomes = push(library, timeout=args.timeout)
        total = time.perf_counter() - started
        ok = sum(o.ok for o in outcomes)
        failed = len(outcomes) - ok

        # Again, now that the delivery log knows which screens did not answer: push starts
        # those first, so their timeouts overlap with everyone else's pushes.
        started = time.perf_counter()
        push(library, timeout=args.timeout)
        second = time.perf_counter() - started
        library.close()

    print(f"screens: {len(outcomes)} ({ok} answered, {failed} silent or failed)")
    print(f"timeout T: {args.timeout:g} s")
    print(f"baseline_single_silent_push_s: {baseline:.3f}")
    print(f"push_total_time_s: {total:.3f}")
    print(f"push_total_time_ratio: {total / baseline:.2f} (goal < 2)")
    print(f"push_second_run_time_s: {second:.3f} (silent screens from the log pushed first)")
    print(f"push_second_run_ratio: {second / baseline:.2f}")
    if failed != len(rx.silent):
        print(f"warning: expected {len(rx.silent)} failures, saw {failed}")


if __name__ == "__main__":
    main()
