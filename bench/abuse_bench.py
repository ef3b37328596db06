"""The hub under attack: do well-behaved screens still get fast answers? One run, two phases.

Builds a library with 65 screens and a published tree (one signed-envelope manifest each), then
runs the real `urbanart serve` (uvicorn, httptools, uvloop, ONE process) and measures, from this
process, the poll latency of 64 well-behaved screens (keep-alive connections from 127.0.0.1,
each polling its manifest with If-None-Match every 100 ms) for PHASE seconds alone, then for
PHASE seconds while, from a separate attacker process:

- 2,000 idle sockets are held open from 127.0.0.2 (reopened every 2 s when the hub closed them),
- one client streams an endless header from 127.0.0.3 (reconnecting whenever it is cut off),
- one client floods heartbeats (60 KB bodies, back to back, keep-alive) from 127.0.0.4 with
  the 65th screen's token.

The 127/8 block is all loopback on Linux, so each attacker is its own address and the hub's
per-address limits apply to it, not to the screens. Everything is on loopback and bounded in
count and time. Ends with lines `name: value (goal …)`; the hub's peak memory is its VmHWM.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from urbanart.library.library import Library  # noqa: E402
from urbanart.library.models import Screen  # noqa: E402

SCREENS = 64
PHASE = 12.0
POLL_PAUSE = 0.1
IDLE_SOCKETS = 2000
IDLE_FROM, HEADER_FROM, FLOOD_FROM = "127.0.0.2", "127.0.0.3", "127.0.0.4"


# The library and its tree -----------------------------------------------------------------------


def token_of(i: int) -> str:
    return hashlib.sha256(f"abuse-bench-{i}".encode()).hexdigest()[:40]


def manifest(token: str, i: int) -> bytes:
    items = [
        {
            "item_id": n,
            "title": f"Work {n} on screen {i}",
            "duration_s": 10,
            "media": {
                "sha256": (digest := hashlib.sha256(f"{token}-{n}".encode()).hexdigest()),
                "url": f"/media/{digest[:2]}/{digest}.webp",
            },
        }
        for n in range(10)
    ]
    payload = {
        "format": "urbanart.manifest",
        "version": 1,
        "window": {"from": "2026-01-01T00:00:00Z", "until": "2026-01-08T00:00:00Z"},
        "playlists": {"1": {"name": "Day", "items": items}},
    }
    envelope = {
        "format": "urbanart.manifest.signed",
        "key_id": "0123456789abcdef",
        "signature": "A" * 86 + "==",
        "payload": json.dumps(payload, separators=(",", ":")),
    }
    return json.dumps(envelope, indent=1).encode()


def build(home: Path) -> list[str]:
    """Screens in the library and published/current → releases/1; returns the tokens."""
    library = Library.open(home)
    tokens = [token_of(i) for i in range(SCREENS + 1)]
    with library.session() as session:
        for i, token in enumerate(tokens):
            session.add(
                Screen(
                    name=f"Screen {i}",
                    timezone="UTC",
                    width=1920,
                    height=1080,
                    poll_token=token,
                )
            )
    library.close()
    release = home / "published" / "releases" / "1"
    for i, token in enumerate(tokens):
        folder = release / "screens" / token
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_bytes(manifest(token, i))
    (home / "published" / "current").symlink_to("releases/1")
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_hub(home: Path, port: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "urbanart.cli.main", "--home", str(home), "serve"]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def wait_ready(port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the hub on port {port} did not become ready")


def peak_memory_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Well-behaved screens ---------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """(status, ETag) of one response on a keep-alive connection; the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    etag = b""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"etag":
            etag = value.strip()
    if length:
        await reader.readexactly(length)
    return status, etag


async def screen(port: int, token: str, until: float, latencies: list[float]) -> int:
    """Poll one manifest on a keep-alive connection until `until`; returns failed requests."""
    failures = 0
    etag = b""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < until:
        request = f"GET /screens/{token}/manifest.json HTTP/1.1\r\nHost: hub\r\n".encode()
        if etag:
            request += b"If-None-Match: " + etag + b"\r\n"
        started = time.perf_counter()
        try:
            writer.write(request + b"\r\n")
            status, tag = await asyncio.wait_for(read_response(reader), 10)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            failures += 1
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            continue
        latencies.append(time.perf_counter() - started)
        if status == 200:
            etag = tag
        elif status != 304:
            failures += 1
        await asyncio.sleep(POLL_PAUSE)
    writer.close()
    return failures


async def screens_phase(port: int, tokens: list[str], seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    failures = await asyncio.gather(*(screen(port, t, until, latencies) for t in tokens))
    return latencies, sum(failures)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


# Attackers (a separate process) ---------------------------------------------------------------


async def idle_sockets(port: int, until: float) -> None:
    held: list[socket.socket | None] = [None] * IDLE_SOCKETS
    while time.monotonic() < until:
        for i, sock in enumerate(held):
            if sock is not None:
                try:
                    if sock.recv(1) == b"":  # closed by the hub: reopen it
                        sock.close()
                        held[i] = None
                except BlockingIOError:
                    continue
                except OSError:
                    sock.close()
                    held[i] = None
            if held[i] is None:
                try:
                    fresh = socket.create_connection(
                        ("127.0.0.1", port), timeout=2, source_address=(IDLE_FROM, 0)
                    )
                    fresh.setblocking(False)
                    held[i] = fresh
                except OSError:
                    pass
            if i % 200 == 0:
                await asyncio.sleep(0)
        await asyncio.sleep(2.0)
    for sock in held:
        if sock is not None:
            sock.close()


async def endless_header(port: int, until: float) -> None:
    chunk = b"a" * 65536
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(HEADER_FROM, 0)
            )
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.write(b"GET / HTTP/1.1\r\nHost: hub\r\nX-Endless: ")
        try:
            while time.monotonic() < until:
                writer.write(chunk)
                await writer.drain()
                if reader.at_eof():
                    break
                await asyncio.sleep(0)
        except OSError:
            pass
        writer.close()
        await asyncio.sleep(0.01)


async def heartbeat_flood(port: int, token: str, until: float) -> None:
    body = json.dumps(
        {
            "playing": None,
            "manifest_version": None,
            "player_version": "flood",
            "free_disk_bytes": 1,
            "errors": ["x" * 499] * 50,
            "padding": "p" * 35_000,
        }
    ).encode()
    head = (
        f"POST /api/v1/screens/{token}/heartbeat HTTP/1.1\r\nHost: hub\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(FLOOD_FROM, 0)
            )
            while time.monotonic() < until:
                writer.write(head + body)
                await asyncio.wait_for(read_response(reader), 10)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            await asyncio.sleep(0.01)


def attack(port: int, flood_token: str, seconds: float) -> None:
    async def all_of_them() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(
            idle_sockets(port, until),
            endless_header(port, until),
            heartbeat_flood(port, flood_token, until),
        )

    asyncio.run(all_of_them())


# Main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=PHASE, help="length of each phase")
    args = parser.parse_args()
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, OSError, ValueError):
        pass
    with tempfile.TemporaryDirectory(prefix="urbanart-abuse-") as tmp:
        home = Path(tmp) / "library"
        tokens = build(home)
        screens, flood_token = tokens[:SCREENS], tokens[SCREENS]
        port = free_port()
        hub = start_hub(home, port)
        attacker: multiprocessing.Process | None = None
        try:
            wait_ready(port, f"/screens/{screens[0]}/manifest.json")
            asyncio.run(screens_phase(port, screens, 2.0))  # warm up
            alone, failed_alone = asyncio.run(screens_phase(port, screens, args.seconds))
            attacker = multiprocessing.Process(
                target=attack, args=(port, flood_token, args.seconds + 8.0)
            )
            attacker.start()
            time.sleep(4.0)  # the sockets are opened, the header streams, the flood runs
            attacked, failed_attacked = asyncio.run(screens_phase(port, screens, args.seconds))
            attacker.join(30)
            alive = hub.poll() is None
            memory = peak_memory_mb(hub.pid) if alive else float("nan")
        finally:
            if attacker is not None and attacker.is_alive():
                attacker.terminate()
            hub.terminate()
            try:
                hub.wait(15)
            except subprocess.TimeoutExpired:
                hub.kill()
    ratio = p99(attacked) / p99(alone)
    print(f"polls alone: {len(alone)}, p99 {p99(alone) * 1000:.1f} ms, failed {failed_alone}")
    print(
        f"polls under attack: {len(attacked)}, p99 {p99(attacked) * 1000:.1f} ms, "
        f"failed {failed_attacked}"
    )
    print(f"hub still running after the attack: {alive}")
    print(f"abuse_p99_ratio: {ratio:.2f} (goal ≤ 3)")
    print(f"abuse_hub_peak_memory_mb: {memory:.0f} (goal < 300)")


if __name__ == "__main__":
    main()
