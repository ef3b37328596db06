"""A fleet of 1,000 screens against the hub on PostgreSQL (`urbanart serve --workers N`).

Setup: a real PostgreSQL server (tests/postgres_server.py: a throwaway data folder and Unix
socket; durable as an operator runs it: fsync, full-page writes and synchronous commit on, so
a plays batch is answered after its WAL is on the disk, as in production), a library on it
with 1,000 screens and a published tree that gives each screen a manifest naming one artwork
(so its plays are plausible), then `urbanart serve --workers N` as a child process.

Fleet run: each screen posts a heartbeat every 30 s and a batch of plays every 5 min (30 plays
of 10 s: its last five minutes), compressed 10x in time: a heartbeat every 3 s and a batch every
30 s, for 2 minutes (about 370 requests a second). The client is one asyncio process (uvloop,
httptools) with one keep-alive connection per screen, from 32 loopback addresses as a fleet
comes from many: a few tens of microseconds of CPU a request, so the client does not take the
cores it measures (the earlier threads with requests sessions cost more CPU than the hub's
answers and made the latency theirs; the run prints the client's CPU beside the hub's). Every
answer is checked (200; a plays answer accounts for every record sent). A batch that fails is
kept and sent again with the next one, as a real player's queue does. Latency is measured
around each request. Afterwards every play id the screens made is looked up in the database:
fleet_plays_lost counts the ones missing (a doubled one would count too: the table's unique
constraint makes that impossible, and the count checks it).

Throughput: a short saturating burst with wrk (64 connections) of heartbeats rotating over the
1,000 screens' tokens against the hub, and the same burst against a bare ASGI app answering 204
(bench/fleet_baseline.py) on the same uvicorn with the same worker count; the ratio is hub
requests/s over baseline requests/s; the CPU each used per request is printed too (on a
loaded machine the wall-clock ratio mostly measures the neighbours). Nothing is pinned to a CPU:
the machine is shared.

Ends with lines `name: value (goal …)`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httptools
import requests
import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from tests.delivery.hub_fixtures import (  # noqa: E402
    add_artwork,
    manifest_bytes,
    point_current,
    sha,
    write_release,
)
from tests.postgres_server import PostgresServer, find_bin_dir  # noqa: E402
from urbanart.library.home import ENV_DATABASE_URL  # noqa: E402
from urbanart.library.library import Library  # noqa: E402
from urbanart.library.models import Play, Screen  # noqa: E402

SCREENS = 1000
#: Real intervals 30 s and 300 s, compressed 10x.
HEARTBEAT_EVERY = 3.0
PLAYS_EVERY = 30.0
PLAYS_PER_BATCH = 30
PLAY_SECONDS = 10
ARTWORK = b"\x89PNG the fleet bench artwork"
GOAL_P99_MS = 50.0
#: After the run, screens get this long to send the plays still queued.
DRAIN_SECONDS = 60.0
HEARTBEAT = {
    "playing": None,
    "manifest_version": "v1",
    "player_version": "bench",
    "free_disk_bytes": 10_000_000_000,
    "errors": [],
}
GOAL_RATIO = 0.3
#: The simulated screens connect from this many loopback addresses (127.0.0.2 onwards).
SOURCE_ADDRESSES = 32


def token_of(index: int) -> str:
    return f"bench-fleet-{index:05d}-0123456789abcdefghijkl"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=timeout)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def build_library(home: Path, url: str) -> None:
    """1,000 screens and a published tree giving each a manifest that names ARTWORK."""
    with Library.open(home, database_url=url) as library:
        add_artwork(library, ARTWORK, "Bench Work", "Bench Artist")
        with library.session() as session:
            session.add_all(
                Screen(
                    name=f"Bench screen {i}",
                    timezone="UTC",
                    width=1920,
                    height=1080,
                    poll_interval=60,
                    poll_token=token_of(i),
                )
                for i in range(SCREENS)
            )
    files = {
        f"screens/{token_of(i)}/manifest.json": manifest_bytes(
            token_of(i), "v1", items=2, media=[sha(ARTWORK)]
        )
        for i in range(SCREENS)
    }
    write_release(home / "published", 1, files)
    point_current(home / "published", 1)


# The fleet ---------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class SimScreen:
    """One screen's schedule, queued plays and simulated clock of what it played."""

    def __init__(self, index: int, start: float, played_from: datetime) -> None:
        self.token = token_of(index)
        self.next_beat = start + random.uniform(0, HEARTBEAT_EVERY)
        self.next_plays = start + random.uniform(0, PLAYS_EVERY)
        self.played_until = played_from
        self.pending: list[dict[str, object]] = []
        self.made: list[str] = []

    def new_batch(self) -> list[dict[str, object]]:
        """The last five (simulated) minutes of plays, added to what is still queued."""
        for _ in range(PLAYS_PER_BATCH):
            record_id = str(uuid.uuid4())
            self.pending.append(
                {
                    "id": record_id,
                    "artwork_sha256": sha(ARTWORK),
                    "playlist": "Bench",
                    "started_at": _iso(self.played_until),
                    "duration_s": PLAY_SECONDS - 0.5,
                    "manifest_version": "v1",
                }
            )
            self.made.append(record_id)
            self.played_until += timedelta(seconds=PLAY_SECONDS)
        return self.pending[:1000]


class _Connection(asyncio.Protocol):
    """One screen's keep-alive HTTP/1.1 connection: a request at a time, the answer parsed by
    httptools (the C parser uvicorn uses), so the client costs little CPU per request."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.open = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            if self.transport is not None:
                self.transport.close()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        waiter, self.waiter = self.waiter, None
        body, self.body = b"".join(self.body), []
        if waiter is not None and not waiter.done():
            waiter.set_result((self.parser.get_status_code(), body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._fail(exc or ConnectionError("the hub closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)


class _Client:
    """A screen's side of the wire: (re)connects from its own source address when needed."""

    def __init__(self, port: int, source: str) -> None:
        self.port = port
        self.source = source
        self.conn: _Connection | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.conn is None or not self.conn.open:
            loop = asyncio.get_running_loop()
            _transport, self.conn = await loop.create_connection(
                _Connection, "127.0.0.1", self.port, local_addr=(self.source, 0)
            )
        conn = self.conn
        conn.waiter = asyncio.get_running_loop().create_future()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        assert conn.transport is not None
        conn.transport.write(head.encode("ascii") + body)
        try:
            return await asyncio.wait_for(conn.waiter, 30)
        except BaseException:
            if conn.transport is not None:
                conn.transport.close()
            self.conn = None
            raise


def _answer_ok(kind: str, status: int, body: bytes, sent: int) -> bool:
    """Every answer is checked: 200, and a plays answer accounts for each record sent."""
    if status != 200:
        return False
    answer = json.loads(body)
    if kind == "heartbeat":
        return answer.get("ok") is True
    return int(answer["accepted"]) + int(answer["duplicates"]) == sent


async def _screen(
    port: int, screen: SimScreen, source: str, until: float, out: dict[str, Any]
) -> None:
    """One screen: its heartbeats and batches when due until `until`, on its own connection;
    then what it still has queued (a player's queue drains when the hub answers again)."""
    client = _Client(port, source)
    beat = json.dumps(HEARTBEAT).encode()
    events = [(screen.next_beat, "heartbeat"), (screen.next_plays, "plays")]
    latencies: list[float] = out["latencies"]
    while True:
        events.sort()
        due, kind = events[0]
        if due >= until or time.monotonic() >= until:  # open loop: the run ends on time
            break
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        batch = screen.new_batch() if kind == "plays" else []
        body = beat if kind == "heartbeat" else json.dumps({"records": batch}).encode()
        began = time.perf_counter()
        try:
            status, answer = await client.post(f"/api/v1/screens/{screen.token}/{kind}", body)
            ok = _answer_ok(kind, status, answer, len(batch))
        except (OSError, TimeoutError, ValueError, KeyError, httptools.HttpParserError):
            ok = False
        latencies.append(time.perf_counter() - began)
        out["kinds"][kind].append(latencies[-1])
        if not ok:
            out["errors"] += 1
        elif kind == "plays":
            del screen.pending[: len(batch)]
        every = HEARTBEAT_EVERY if kind == "heartbeat" else PLAYS_EVERY
        events[0] = (due + every, kind)
    out["unsent"] += sum(
        int((until - due) // (HEARTBEAT_EVERY if kind == "heartbeat" else PLAYS_EVERY)) + 1
        for due, kind in events
        if due < until
    )
    drain_until = time.monotonic() + DRAIN_SECONDS
    for _attempt in range(5):
        if not screen.pending or time.monotonic() > drain_until:
            break
        batch = screen.pending[:1000]
        try:
            status, answer = await client.post(
                f"/api/v1/screens/{screen.token}/plays", json.dumps({"records": batch}).encode()
            )
            if _answer_ok("plays", status, answer, len(batch)):
                del screen.pending[: len(batch)]
                continue
        except (OSError, TimeoutError, ValueError, KeyError, httptools.HttpParserError):
            pass
        await asyncio.sleep(1)


def _client_process(
    args: tuple[int, list[int], float, float, str],
) -> tuple[list[float], int, int, list[str], float, dict[str, list[float]]]:
    """One client process: an event loop driving these screens, one connection each;
    (latencies, errors, requests not sent, play ids made, CPU seconds the process used,
    latencies by kind of request)."""
    port, indexes, start, seconds, played_from = args
    since = datetime.fromisoformat(played_from)
    screens = [SimScreen(i, start, since) for i in indexes]
    out: dict[str, Any] = {
        "latencies": [],
        "errors": 0,
        "unsent": 0,
        "kinds": {"heartbeat": [], "plays": []},
    }

    async def run() -> None:
        await asyncio.gather(
            *(
                # Screens come from many addresses (127.0.0.2-33), as a fleet does: the hub
                # limits connections per address (connection_guard.ConnectionLimits).
                _screen(port, screen, f"127.0.0.{2 + i % SOURCE_ADDRESSES}", start + seconds, out)
                for screen, i in zip(screens, indexes, strict=True)
            )
        )

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a descriptor per screen
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    began = os.times()
    uvloop.run(run())
    used = os.times()
    cpu = (used.user - began.user) + (used.system - began.system)
    return (
        out["latencies"],
        out["errors"],
        out["unsent"],
        [rid for s in screens for rid in s.made],
        cpu,
        out["kinds"],
    )


def run_fleet(
    port: int, seconds: float, processes: int
) -> tuple[list[float], int, int, list[str], float, float, dict[str, list[float]]]:
    """(latencies, errors, requests not sent, play ids made, seconds the run took, client CPU
    seconds, latencies by kind of request, sorted).

    Open loop: requests are sent on schedule, late when the hub (or the client) falls behind,
    and the run ends on time; what the schedule held but was never sent is counted apart.
    """
    start = time.monotonic() + 2.0  # every process starts its clock on the same instant
    played_from = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    indexes = list(range(SCREENS))
    jobs = [
        (port, indexes[k::processes], start, seconds, played_from.isoformat())
        for k in range(processes)
    ]
    # fork: the children share the parent's clock (time.monotonic is system-wide anyway).
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_client_process, jobs)
    took = time.monotonic() - start
    latencies = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    unsent = sum(r[2] for r in results)
    cpu = sum(r[4] for r in results)
    kinds = {
        kind: sorted(x for r in results for x in r[5][kind]) for kind in ("heartbeat", "plays")
    }
    return latencies, errors, unsent, [rid for r in results for rid in r[3]], took, cpu, kinds


# The saturating burst ---------------------------------------------------------------------------


def lua_heartbeats() -> str:
    tokens = ",\n".join(f'  "{token_of(i)}"' for i in range(SCREENS))
    return f"""
local tokens = {{
{tokens}
}}
local reqs = {{}}
local n = 0
init = function(args)
  local body = '{json.dumps(HEARTBEAT, separators=(",", ":"))}'
  for i, t in ipairs(tokens) do
    reqs[i] = wrk.format("POST", "/api/v1/screens/" .. t .. "/heartbeat",
      {{["Content-Type"] = "application/json"}}, body)
  end
  n = math.random(#reqs)
end
request = function()
  n = n % #reqs + 1
  return reqs[n]
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_us=%d p99_us=%d errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def burst(wrk: str, port: int, script: Path, seconds: int) -> dict[str, float]:
    argv = [wrk, "-t2", "-c64", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    out = subprocess.run(
        [*argv, f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    match = re.search(r"BENCH (.*)", out)
    if match is None:
        raise RuntimeError(f"wrk gave no result:\n{out}")
    values = {k: int(v) for k, v in (part.split("=") for part in match[1].split())}
    return {
        "requests": values["requests"],
        "rps": values["requests"] / (values["duration_us"] / 1e6),
        "p99_ms": values["p99_us"] / 1000,
        "errors": values["errors"],
    }


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants alive now
    (the hub's or baseline's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# Main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="hub (and baseline) processes")
    parser.add_argument("--seconds", type=float, default=120.0, help="length of the fleet run")
    parser.add_argument("--burst", type=int, default=10, help="seconds of each saturating burst")
    parser.add_argument("--client-processes", type=int, default=1)
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("fleet_bench needs wrk for the saturating bursts (Debian: apt install wrk)")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("fleet_bench needs PostgreSQL's server binaries (Debian: apt install postgresql)")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()} (shared, not pinned)")
    server = PostgresServer(bin_dir, durable=True).start()
    tmp = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with server.admin() as conn:
            conn.execute('CREATE DATABASE "fleet"')
        url = server.url("fleet")
        home = tmp / "library"
        began = time.monotonic()
        build_library(home, url)
        print(f"library: {SCREENS} screens on PostgreSQL in {time.monotonic() - began:.1f} s")
        env = {**os.environ, ENV_DATABASE_URL: url, "PYTHONPATH": str(ROOT)}
        port = free_port()
        hub = subprocess.Popen(
            [sys.executable, "-m", "urbanart.cli.main", "--home", str(home), "serve",
             "--port", str(port), "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(hub)
        wait_ready(port)
        print(
            f"fleet: {SCREENS} screens, heartbeat every {HEARTBEAT_EVERY:g} s, {PLAYS_PER_BATCH}"
            f" plays every {PLAYS_EVERY:g} s, {args.seconds:g} s, hub --workers {args.workers};"
            f" client: {args.client_processes} asyncio process(es), one connection per screen"
        )
        hub_cpu = cpu_seconds(hub.pid)
        latencies, errors, unsent, made, took, client_cpu, kinds = run_fleet(
            port, args.seconds, args.client_processes
        )
        hub_cpu = cpu_seconds(hub.pid) - hub_cpu
        with Library.open(home, database_url=url) as library, library.session() as session:
            stored = set(session.scalars(select(Play.record_id)))
            rows = session.scalar(select(func.count()).select_from(Play)) or 0
        lost = len(set(made) - stored) + (rows - len(stored))
        p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan")
        p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
        rate = len(latencies) / took
        print(
            f"fleet: {len(latencies)} requests in {took:.0f} s ({rate:.0f}/s), p50 {p50:.1f} ms, "
            f"{unsent} scheduled requests not sent in time, {len(made)} plays made, {rows} stored"
        )
        print(
            "fleet p50/p90/p99 by kind (the plays batches, ~9 % of requests, hold the overall "
            "p99 with their p90): "
            + ", ".join(
                f"{kind} {len(values)} requests, {values[len(values) // 2] * 1000:.1f}"
                f"/{values[int(len(values) * 0.9)] * 1000:.1f}"
                f"/{values[int(len(values) * 0.99)] * 1000:.1f} ms"
                for kind, values in kinds.items()
                if values
            )
        )
        per = 1e6 / max(1, len(latencies))
        print(
            f"fleet CPU: hub {hub_cpu:.1f} s ({hub_cpu * per:.0f} µs a request), client "
            f"{client_cpu:.1f} s ({client_cpu * per:.0f} µs a request), load average "
            f"{os.getloadavg()[0]:.1f}"
        )

        script = tmp / "heartbeats.lua"
        script.write_text(lua_heartbeats())
        hub_cpu = cpu_seconds(hub.pid)
        hub_burst = burst(wrk, port, script, args.burst)
        hub_burst["cpu_us"] = (cpu_seconds(hub.pid) - hub_cpu) * 1e6 / hub_burst["requests"]
        stop(hub)
        base_port = free_port()
        baseline = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.fleet_baseline:app", "--port",
             str(base_port), "--workers", str(args.workers), "--loop", "uvloop", "--http",
             "httptools", "--lifespan", "off", "--no-access-log", "--log-level", "warning"],
            env=env, cwd=ROOT,
        )  # fmt: skip
        procs.append(baseline)
        wait_ready(base_port)
        base_cpu = cpu_seconds(baseline.pid)
        base_burst = burst(wrk, base_port, script, args.burst)
        base_burst["cpu_us"] = (cpu_seconds(baseline.pid) - base_cpu) * 1e6 / base_burst["requests"]
        stop(baseline)
        print(
            f"burst ({args.burst} s, wrk 64 connections, heartbeats): hub "
            f"{hub_burst['rps']:.0f} req/s (p99 {hub_burst['p99_ms']:.1f} ms, errors "
            f"{hub_burst['errors']:.0f}), baseline {base_burst['rps']:.0f} req/s"
        )
        print(
            f"burst CPU per request (the comparison that holds on a loaded machine): hub "
            f"{hub_burst['cpu_us']:.0f} µs, baseline {base_burst['cpu_us']:.0f} µs "
            f"(ratio {base_burst['cpu_us'] / hub_burst['cpu_us']:.2f}), load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        ratio = hub_burst["rps"] / base_burst["rps"]
        print(f"fleet_p99_ms: {p99:.1f} (goal ≤ {GOAL_P99_MS:g})")
        print(f"fleet_errors: {errors} (goal = 0)")
        print(f"fleet_plays_lost: {lost} (goal = 0)")
        print(f"fleet_throughput_ratio: {ratio:.2f} (goal ≥ {GOAL_RATIO})")
    finally:
        for proc in procs:
            stop(proc)
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
