"""Throughput of the stats endpoint and the dashboard page, as ratios to a bare Flask "hello".

    make bench        (runs: .venv/bin/python bench/run.py)

Generates the bench data (bench/generate.py: 20 rounds × 500 applications, SQLite under
bench/out/), then serves the marketplace and bench/hello.py the same way — gunicorn, same
workers, each on a free port of 127.0.0.1 — and sends each URL a bounded number of requests
from a client on this machine (a thread pool, one connection per request). Writes
bench/RESULTS.md with the measured figures and the command that made them.
"""
from __future__ import annotations

import http.client
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
WARMUP = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(target: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
         "--worker-class", "sync", "--log-level", "warning", target],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{target} did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def get(port: int, path: str) -> float:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}")
    finally:
        conn.close()
    return time.perf_counter() - started


def measure(port: int, path: str) -> dict:
    for _ in range(WARMUP):
        get(port, path)
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        latencies = list(pool.map(lambda _: get(port, path), range(REQUESTS)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": REQUESTS / elapsed, "median_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000}


URLS = [
    # key, label, server, path
    ("hello", "bare Flask hello `/`", "hello", "/"),
    ("stats", "`GET /api/v1/rounds/19/stats`", "app", "/api/v1/rounds/19/stats"),
    ("dashboard", "`GET /dashboard` (HTML page)", "app", "/dashboard"),
    ("screen_json", "`GET /dashboard/data.json?screen=1` (screen refresh)", "app",
     "/dashboard/data.json?screen=1"),
]
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.generate import DEFAULT_URL, generate

    counts = generate(DEFAULT_URL)
    env = dict(os.environ, DATABASE_URL=DEFAULT_URL, APP_ENV="production",
               SECRET_KEY="bench-only-secret", RATELIMIT_ENABLED="0",
               INSTANCE_PATH=str(OUT / "instance"))
    servers = {}
    try:
        # Both served at once, measured one URL at a time and interleaved, REPEATS times: the
        # machine is shared, so each ratio compares figures taken minutes apart at most.
        servers["hello"] = serve("bench.hello:app", env)
        servers["app"] = serve("wsgi:app", env)
        runs = []
        for _ in range(REPEATS):
            runs.append({key: measure(servers[server][1], path)
                         for key, _label, server, path in URLS})
    finally:
        for process, _port in servers.values():
            stop(process)
    write_results(counts, runs)


def write_results(counts: dict, runs: list[dict]) -> None:
    lines = [
        "# Bench: stats endpoint and dashboard throughput",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command()}`.",
        "",
        f"Data: {counts['rounds']} rounds × {counts['applications'] // counts['rounds']} "
        f"applications ({counts['applications']} applications, {counts['awards']} awards, "
        f"{counts['organisations']} organisations), SQLite, generated by `bench/generate.py`.",
        f"Servers: gunicorn, {WORKERS} sync workers each, 127.0.0.1, both running during the "
        "run: the marketplace (`wsgi:app`, APP_ENV=production) and a bare Flask app returning "
        "\"hello\" (`bench/hello.py`).",
        f"Client: this machine, {CONCURRENCY} threads, {REQUESTS} requests per URL after "
        f"{WARMUP} warm-up requests, a new connection per request; the URLs measured in turn, "
        f"{len(runs)} times over. Machine: {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), shared with other work (load average "
        f"{os.getloadavg()[0]:.1f} at the end), so absolute figures vary from run to run.",
        "",
        "| URL | requests/s (median of runs) | median ms | p95 ms | ratio to hello, "
        "per run | ratio (median) |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for key, label, _server, _path in URLS:
        rps = [r[key]["rps"] for r in runs]
        ratios = [r[key]["rps"] / r["hello"]["rps"] for r in runs]
        lines.append(
            f"| {label} | {statistics.median(rps):.1f} | "
            f"{statistics.median(r[key]['median_ms'] for r in runs):.1f} | "
            f"{statistics.median(r[key]['p95_ms'] for r in runs):.1f} | "
            f"{', '.join(f'{x:.3f}' for x in ratios)} | {statistics.median(ratios):.3f} |")
    lines += ["", "Ratio = requests/s of the URL ÷ requests/s of hello in the same run.", ""]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))


def command() -> str:
    extra = " ".join(f"{k}={os.environ[k]}" for k in
                     ("BENCH_WORKERS", "BENCH_REQUESTS", "BENCH_CONCURRENCY", "BENCH_REPEATS")
                     if k in os.environ)
    return ((extra + " ") if extra else "") + "make bench  (= .venv/bin/python bench/run.py" + (
        "" if sys.argv[1:] == [] else " " + shlex.join(sys.argv[1:])) + ")"


if __name__ == "__main__":
    main()
