"""Hub vs nginx on the same published tree: 304 revalidations and full manifest GETs, one run.

Builds a tree per docs/published-tree.md with 1,000 screens' signed manifests (4–8 KB of
realistic JSON each) and some media, then serves it with the hub (`urbanart serve`: uvicorn,
httptools, uvloop, ONE process) and with nginx tuned the way an operator runs it in front of a
static tree: worker_processes matching the hub's processes (one each, so the comparison is per
core), gzip_static on with a `.gz` beside every compressible file (made at deploy time like
`gzip -k -9`, in nginx's own copy of the release so the hub's tree is untouched), open_file_cache,
sendfile, tcp_nopush, keepalive_requests raised, access_log off, etag on. The config used is
printed. Both servers are pinned to CPU 0 and the load generator to CPU 1 when the machine has
two or more CPUs.

Load: wrk (installed from Debian if missing, like nginx), one thread, 64 connections, ~10 s per
scenario, a Lua script rotating over the 1,000 manifest paths with Accept-Encoding: gzip, as a
screen sends it. (a) 304s: each request carries If-None-Match with that path's ETag as that
server gave it (precomputed, embedded in the script); (b) full GETs. Without wrk a Python load
generator with several processes is used instead, and then no goal lines are printed: a Python
client is slower than either server, so its ratios would measure the client. Everything runs on
127.0.0.1 and every loop is bounded in time.

Ends with lines `name: value (goal …)`: hub_304_ratio and hub_get_ratio, the hub's requests per
second over nginx's. Each server's CPU time per request (its process and children, from /proc,
over the load run) is printed too: on a shared machine rates swing with whatever else runs, the
CPU a request costs much less, so compare those between commits.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gzip
import hashlib
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from urbanart.library.library import Library  # noqa: E402
from urbanart.library.models import Screen  # noqa: E402

SCREENS = 1000
CONNECTIONS = 64
#: `urbanart serve` runs one process; nginx gets as many workers.
HUB_PROCESSES = 1
GOAL_RATIO = 0.3
#: What nginx's gzip_static gets a .gz sibling for (the hub compresses the same types).
COMPRESSIBLE_SUFFIXES = (".json", ".html", ".css", ".js", ".svg", ".txt", ".pem", ".pub")
CITIES = [
    ("Tokyo", "Asia/Tokyo"),
    ("New York", "America/New_York"),
    ("Berlin", "Europe/Berlin"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Lagos", "Africa/Lagos"),
    ("Sydney", "Australia/Sydney"),
]
WORDS = (
    "neon",
    "koi",
    "river",
    "night",
    "signal",
    "concrete",
    "bloom",
    "echo",
    "harbour",
    "static",
    "orbit",
    "paper",
    "tide",
    "glass",
    "ember",
    "drift",
    "mural",
    "pulse",
    "lantern",
    "vapor",
)


# The tree ---------------------------------------------------------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(rng: random.Random, key: Ed25519PrivateKey, token: str, media: list[str]) -> bytes:
    """A signed envelope like the publisher's: the payload carried as a JSON string."""
    city, zone = rng.choice(CITIES)
    items = []
    for i in range(rng.randint(6, 13)):
        url = rng.choice(media)
        title = " ".join(rng.choice(WORDS).title() for _ in range(rng.randint(1, 3)))
        artist = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
        items.append(
            {
                "id": i + 1,
                "artwork_id": rng.randint(1, 5000),
                "sha256": url.rsplit("/", 1)[1].split(".")[0],
                "url": url,
                "type": "image/webp",
                "width": 1920,
                "height": 1080,
                "duration_s": rng.choice([8, 10, 12, 15, 20]),
                "transition": rng.choice(["cut", "crossfade"]),
                "transition_s": 0.8,
                "overlay": True,
                "credit": f"{title} — {artist}, {rng.randint(1990, 2025)}",
                "alt_text": f"A {rng.choice(WORDS)} {rng.choice(WORDS)} in {city}",
                "link": f"https://art.example.org/a/{rng.randint(1, 5000)}/",
            }
        )
    payload = {
        "format": "urbanart.manifest",
        "format_version": 1,
        "screen": {
            "name": f"{city} screen {token[:6]}",
            "timezone": zone,
            "width": 1920,
            "height": 1080,
        },
        "poll_interval": 60,
        "valid_from": "2025-03-01T00:00:00Z",
        "valid_until": "2025-03-08T00:00:00Z",
        "items": items,
        "timeline": [
            {
                "start": f"2025-03-0{d}T{h:02d}:00:00Z",
                "end": f"2025-03-0{d}T{h + 6:02d}:00:00Z",
                "playlist": rng.randint(1, 40),
            }
            for d in range(1, 4)
            for h in (0, 6, 12)
        ],
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    envelope = {
        "format": "urbanart.manifest.signed",
        "key_id": "0f1e2d3c4b5a6978",
        "signature": base64.b64encode(key.sign(text.encode())).decode(),
        "payload": text,
    }
    return json.dumps(envelope, ensure_ascii=False, indent=1).encode()


def build_tree(home: Path, rng: random.Random) -> tuple[list[str], dict[str, bytes]]:
    """A library with 1,000 screens and published/current → releases/1; returns paths, bytes."""
    published = home / "published"
    media_urls = []
    for i in range(40):
        data = rng.randbytes(rng.randint(20_000, 200_000)) + bytes([i])
        digest = sha(data)
        path = published / "media" / digest[:2] / f"{digest}.webp"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        media_urls.append(f"/media/{digest[:2]}/{digest}.webp")
    release = published / "releases" / "1"
    release.mkdir(parents=True)
    os.symlink("../../media", release / "media")
    key = Ed25519PrivateKey.generate()
    tokens = [
        base64.urlsafe_b64encode(rng.randbytes(24)).decode().rstrip("=") for _ in range(SCREENS)
    ]
    files: dict[str, bytes] = {}
    for token in tokens:
        data = manifest(rng, key, token, media_urls)
        path = f"/screens/{token}/manifest.json"
        (release / path.lstrip("/")).parent.mkdir(parents=True)
        (release / path.lstrip("/")).write_bytes(data)
        files[path] = data
    os.symlink("releases/1", published / "current")
    with Library.open(home) as library, library.session() as session:
        session.add_all(
            Screen(
                name=f"screen {i}",
                timezone=CITIES[i % len(CITIES)][1],
                width=1920,
                height=1080,
                poll_token=token,
            )
            for i, token in enumerate(tokens)
        )
    return list(files), files


# Servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_debian_package(command: str) -> str | None:
    """The path of command, installing its Debian package (same name) if it is missing."""
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")
    if found:
        return found
    if shutil.which("apt-get") is None:
        return None
    print(f"installing {command} from Debian…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ok = (
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", command], env=env, capture_output=True
        ).returncode
        == 0
    )
    if not ok:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", command], env=env, capture_output=True)
    return shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")


def pinned(cpu: int | None, argv: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(cpu), *argv] if cpu is not None and taskset else argv


def wait_ready(port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, _ = fetch(port, path)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not become ready")


def fetch(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def etags_of(port: int, paths: list[str]) -> list[str]:
    """Each path's ETag as this server gives it to a gzip-accepting client (one connection)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    tags = []
    try:
        for path in paths:
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            tags.append(response.getheader("ETag") or "")
    finally:
        conn.close()
    return tags


def start_hub(home: Path, port: int, cpu: int | None) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "urbanart.cli.main",
        "--home",
        str(home),
        "serve",
        "--port",
        str(port),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(pinned(cpu, argv), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


NGINX_CONF = """\
{user}worker_processes {workers};
error_log {tmp}/error.log warn;
pid {tmp}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    {types}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 65;
    etag on;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 30s;
    open_file_cache_min_uses 1;
    open_file_cache_errors on;
    gzip_static on;
    gzip on;
    gzip_types application/json;
    gzip_min_length 256;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ }}
    }}
}}
"""


def nginx_release(release: Path) -> tuple[Path, int]:
    """nginx's copy of a release, as an operator's deploy makes it: the same files (hard links)
    plus a `.gz` beside each compressible one, gzip -9 like the hub's own compression.

    A sibling of the release, so its relative media link resolves the same way. Returns the
    folder and the number of .gz files written.
    """
    target = release.with_name(release.name + "-nginx")
    shutil.copytree(release, target, symlinks=True, copy_function=os.link)
    written = 0
    for path in target.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.suffix not in COMPRESSIBLE_SUFFIXES:
            continue
        data = path.read_bytes()
        if len(data) < 256:
            continue
        gz = path.with_name(path.name + ".gz")
        gz.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        stat = path.stat()
        os.utime(gz, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as gzip -k keeps the time
        written += 1
    return target, written


def nginx_conf(tmp: Path, root: Path, port: int) -> str:
    types = (
        "include /etc/nginx/mime.types;"
        if Path("/etc/nginx/mime.types").exists()
        else "types { application/json json; }"
    )
    user = "user root;\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    return NGINX_CONF.format(
        user=user, workers=HUB_PROCESSES, tmp=tmp, types=types, port=port, root=root
    )


def start_nginx(nginx: str, tmp: Path, conf_text: str, cpu: int | None) -> subprocess.Popen[bytes]:
    conf = tmp / "nginx.conf"
    conf.write_text(conf_text)
    return subprocess.Popen(
        pinned(cpu, [nginx, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"])
    )


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by a process and its descendants (nginx's worker is
    a child of its master), from /proc; None where there is no /proc.

    Why: requests per second swing with whatever else the shared machine runs, while the CPU a
    server spends per request is far steadier, so it is printed beside the rates.
    """
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    family = {pid}
    grew = True
    while grew:
        more = {child for child, parent in parents.items() if parent in family} - family
        grew = bool(more)
        family |= more
    return sum(times.get(member, 0.0) for member in family)


# Load -------------------------------------------------------------------------------------------


def lua_script(paths: list[str], etags: list[str] | None) -> str:
    def lua_str(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["local paths = {", *(f"  {lua_str(p)}," for p in paths), "}"]
    if etags is not None:
        lines += ["local etags = {", *(f"  {lua_str(t)}," for t in etags), "}"]
    else:
        lines.append("local etags = nil")
    lines.append(
        """
local reqs = {}
local n = 0
init = function(args)
  for i, p in ipairs(paths) do
    local h = {["Accept-Encoding"] = "gzip", ["User-Agent"] = "urbanart-player/1.0"}
    if etags then h["If-None-Match"] = etags[i] end
    reqs[i] = wrk.format("GET", p, h)
  end
  n = math.random(#reqs)
end
request = function()
  n = n % #reqs + 1
  return reqs[n]
end
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""
    )
    return "\n".join(lines)


def run_wrk(wrk: str, port: int, script: Path, seconds: int, cpu: int | None) -> dict[str, float]:
    argv = [
        wrk,
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    out = subprocess.run(
        pinned(cpu, argv), capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    match = re.search(r"BENCH (.*)", out)
    if match is None:
        raise RuntimeError(f"wrk gave no result:\n{out}")
    values = dict(part.split("=") for part in match[1].split())
    return {
        "rps": int(values["requests"]) / (int(values["duration_us"]) / 1e6),
        "p50_ms": int(values["p50_us"]) / 1000,
        "p99_ms": int(values["p99_us"]) / 1000,
        "errors": int(values["status_errors"]) + int(values["socket_errors"]),
    }


async def _py_worker(
    port: int, requests: list[bytes], conns: int, seconds: float
) -> tuple[int, list[float], int]:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = 0

    async def one(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        while time.monotonic() < deadline:
            i = (i + 1) % len(requests)
            start = time.perf_counter()
            writer.write(requests[i])
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length:
                await reader.readexactly(int(length[1]))
            latencies.append(time.perf_counter() - start)
            if not head.startswith((b"HTTP/1.1 2", b"HTTP/1.1 3")):
                errors += 1
        writer.close()

    await asyncio.gather(*(one(random.randrange(len(requests))) for _ in range(conns)))
    return len(latencies), latencies, errors


def _py_process(args: tuple[int, list[bytes], int, float]) -> tuple[int, list[float], int]:
    return asyncio.run(_py_worker(*args))


def run_python_load(
    port: int, paths: list[str], etags: list[str] | None, seconds: int
) -> dict[str, float]:
    """Fallback when wrk is unavailable: several processes of asyncio clients, keep-alive."""
    requests = []
    for i, path in enumerate(paths):
        extra = f"If-None-Match: {etags[i]}\r\n" if etags else ""
        requests.append(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Accept-Encoding: gzip\r\n{extra}\r\n".encode()
        )
    procs = max(1, min(4, (os.cpu_count() or 2) - 1))
    with multiprocessing.Pool(procs) as pool:
        results = pool.map(_py_process, [(port, requests, CONNECTIONS // procs, seconds)] * procs)
    latencies = sorted(x for r in results for x in r[1])
    total = sum(r[0] for r in results)
    return {
        "rps": total / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        "errors": sum(r[2] for r in results),
    }


# Main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per scenario and server")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get nginx/wrk")
    args = parser.parse_args()

    rng = random.Random(20250301)
    cpus = os.cpu_count() or 1
    server_cpu, load_cpu = (0, 1) if cpus >= 2 and shutil.which("taskset") else (None, None)
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin") or (
        None if args.no_install else ensure_debian_package("nginx")
    )
    wrk = shutil.which("wrk") or (None if args.no_install else ensure_debian_package("wrk"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average before the run: {load:.2f} (other work on the machine skews figures)")
    print(
        f"cpus: {cpus}; servers pinned to {server_cpu}, load to {load_cpu}; "
        f"wrk: {wrk or 'no (Python load)'}"
    )

    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.chmod(tmp, 0o755)  # noqa: S103 - nginx workers must read the tree
        home = tmp / "library"
        t0 = time.perf_counter()
        paths, files = build_tree(home, rng)
        sizes = sorted(len(b) for b in files.values())
        print(
            f"tree: {len(paths)} manifests ({sizes[0]}–{sizes[-1]} bytes, "
            f"median {sizes[len(sizes) // 2]}) "
            f"+ 40 media, built in {time.perf_counter() - t0:.1f} s"
        )
        results: dict[tuple[str, str], dict[str, float]] = {}
        servers: list[tuple[str, subprocess.Popen[bytes], int]] = []
        procs: list[subprocess.Popen[bytes]] = []
        try:
            hub_port = free_port()
            hub = start_hub(home, hub_port, server_cpu)
            procs.append(hub)
            wait_ready(hub_port, paths[0])
            servers.append(("hub", hub, hub_port))
            status, _, body = fetch(hub_port, paths[0])
            assert status == 200 and body == files[paths[0]], "the hub serves the file's bytes"
            if nginx:
                nginx_tmp = tmp / "nginx"
                nginx_tmp.mkdir()
                nginx_port = free_port()
                root, gz_files = nginx_release(home / "published" / "releases" / "1")
                conf_text = nginx_conf(nginx_tmp, root, nginx_port)
                print(f"nginx root: {root} ({gz_files} .gz files made at deploy time)")
                print("nginx config used:")
                print("    " + conf_text.replace("\n", "\n    ").rstrip())
                ngx = start_nginx(nginx, nginx_tmp, conf_text, server_cpu)
                procs.append(ngx)
                wait_ready(nginx_port, paths[0])
                status, _, body = fetch(nginx_port, paths[0])
                assert status == 200 and body == files[paths[0]], "nginx serves the tree unchanged"
                for port in (hub_port, nginx_port):
                    status, headers, body = fetch(port, paths[1], {"Accept-Encoding": "gzip"})
                    assert headers.get("content-encoding") == "gzip", "both send gzip"
                    assert gzip.decompress(body) == files[paths[1]], "the same bytes, gzipped"
                media_path = next((home / "published" / "media").rglob("*.webp"))
                media_url = "/" + str(media_path.relative_to(home / "published"))
                assert fetch(nginx_port, media_url)[2] == media_path.read_bytes(), (
                    "media via the link"
                )
                print("nginx serves the same tree unchanged: manifest and media bytes identical")
                servers.append(("nginx", ngx, nginx_port))
            else:
                print("nginx unavailable: hub figures only")

            for scenario in ("304", "get"):
                for name, proc, port in servers:
                    etags = etags_of(port, paths) if scenario == "304" else None
                    if etags is not None:
                        sample = rng.sample(range(len(paths)), 50)
                        for i in sample:
                            status = fetch(
                                port,
                                paths[i],
                                {"Accept-Encoding": "gzip", "If-None-Match": etags[i]},
                            )[0]
                            assert status == 304, f"{name} answers 304 to its own ETag"
                    cpu_before = cpu_seconds(proc.pid)
                    if wrk:
                        script = tmp / f"{name}-{scenario}.lua"
                        script.write_text(lua_script(paths, etags))
                        result = run_wrk(wrk, port, script, args.seconds, load_cpu)
                    else:
                        result = run_python_load(port, paths, etags, args.seconds)
                    cpu_after = cpu_seconds(proc.pid)
                    if cpu_before is not None and cpu_after is not None and result["rps"]:
                        requests = result["rps"] * args.seconds
                        result["cpu_us"] = (cpu_after - cpu_before) / requests * 1e6
                    results[(name, scenario)] = result
                    print(
                        f"{name:5} {scenario:3}: {result['rps']:9.0f} req/s  "
                        f"p50 {result['p50_ms']:6.2f} ms  "
                        f"p99 {result['p99_ms']:6.2f} ms  errors {result['errors']:.0f}  "
                        f"cpu {result.get('cpu_us', float('nan')):5.1f} µs/request",
                        flush=True,
                    )
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    for scenario in ("304", "get"):
        hub = results[("hub", scenario)]
        print(f"hub_{scenario}_rps: {hub['rps']:.0f}")
        if "cpu_us" in hub:
            print(f"hub_{scenario}_cpu_us_per_request: {hub['cpu_us']:.1f} (steadier than rates)")
        if ("nginx", scenario) in results:
            ngx = results[("nginx", scenario)]
            print(f"nginx_{scenario}_rps: {ngx['rps']:.0f} (baseline, measured in this run)")
            print(f"nginx_{scenario}_p99_ms: {ngx['p99_ms']:.2f} (baseline)")
            if "cpu_us" in ngx:
                print(f"nginx_{scenario}_cpu_us_per_request: {ngx['cpu_us']:.1f} (baseline)")
    if not wrk:
        print("no goal lines: wrk is missing and a Python load generator measures the client")
        return
    if not nginx:
        print("no goal lines: nginx is missing, so there is no baseline")
        return
    for scenario in ("304", "get"):
        ratio = results[("hub", scenario)]["rps"] / results[("nginx", scenario)]["rps"]
        print(f"hub_{scenario}_ratio: {ratio:.2f} (goal ≥ {GOAL_RATIO})")
    for scenario in ("304", "get"):
        print(f"hub_{scenario}_p99_ms: {results[('hub', scenario)]['p99_ms']:.2f} (goal < 25)")


if __name__ == "__main__":
    main()
