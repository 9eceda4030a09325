#!/usr/bin/env python3
"""Server benchmark: Celery enqueue-to-start latency and API latency (performance.md B5, C2 items 4-5, C3).

    python benchmarks/bench_server.py            # 300 waited tasks, >= 2000 requests per API run
    python benchmarks/bench_server.py --quick    # 60 tasks, 300 requests per API run

Starts its own stack, as tests/e2e does: a fresh PostgreSQL database `divbase_bench_<random>` on
postgres@127.0.0.1:5432, a random Redis db on 127.0.0.1:6379 (flushed before and after), SeaweedFS
`weed mini` on free ports, `divbase serve migrate`, one worker (`serve worker -c 1`) and the API
(`serve api`) as subprocesses in their own process groups. Everything is removed at the end.

Measured:
  (a) enqueue->start on an idle worker: `sample-metadata-query` submitted one at a time through the
      API (which waits for the result); the latency is task_started_at.started_at - task_history.created_at,
      both written by the service. The client round trip of that waiting route is reported too.
  (b) API latency (client side, httpx asyncio on the same box): the task history of the user, and
      `bcftools-pipe` with an invalid command (refused with 400 after auth and validation, nothing
      queued), at concurrency 1 and 100; and the real submit path (valid command, 201, queued) at
      concurrency 1.

The load generator shares the machine's cores with uvicorn, Redis and PostgreSQL: concurrency-100
figures are a floor of what the server can do, not a measurement of it (performance.md B5).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import psycopg2  # type: ignore[import-untyped]
import redis
from common import DEFAULT_CACHE, REPO, BenchError, environment

sys.path.insert(0, str(REPO))

from server_stack import PROJECT, Service, service

from tests.s3server import weed_binary

INVALID_PIPE = {"command": "merge -o /etc/passwd", "all_samples": True}
VALID_PIPE = {"command": "view -s", "samples": ["S01"]}


@dataclass
class Latency:
    """Latencies of one measured run, in milliseconds."""

    name: str
    ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    concurrency: int = 1
    bad: dict[str, int] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        """Nearest-rank percentile (q in 0..100)."""
        ranked = sorted(self.ms)
        return ranked[max(0, min(len(ranked) - 1, round(q / 100 * len(ranked) + 0.5) - 1))]

    @property
    def rate(self) -> float:
        return len(self.ms) / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": len(self.ms),
            "concurrency": self.concurrency,
            "p50_ms": self.pct(50),
            "p99_ms": self.pct(99),
            "max_ms": max(self.ms),
            "req_per_s": self.rate,
            "unexpected": self.bad,
        }


# -- (a) enqueue -> start ------------------------------------------------------------------------


def wait_task(client: httpx.Client, number: int, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row: dict[str, Any] = client.get(f"/v1/task-history/tasks/{number}").raise_for_status().json()
        if row.get("status") in {"SUCCESS", "FAILURE", "REVOKED"}:
            return row
        time.sleep(0.1)
    raise BenchError(f"task {number} did not finish within {timeout} s")


def enqueue_to_start(svc: Service, warmup: int, count: int) -> tuple[Latency, Latency]:
    """Submit `sample-metadata-query` one at a time; return (enqueue->start, client round trip)."""
    headers = {"Authorization": f"Bearer {svc.token}"}
    with httpx.Client(base_url=svc.stack.api_url, headers=headers, timeout=60) as client:
        dims = client.post(f"/v1/tasks/dimensions-update/projects/{PROJECT}", json={}).raise_for_status().json()
        done = wait_task(client, int(dims["task_id"]))
        if done.get("status") != "SUCCESS":
            raise BenchError(f"dimensions-update failed: {json.dumps(done)[:500]}")
        rtt = Latency("sample-metadata-query round trip (waits for result)")
        numbers: list[int] = []
        for i in range(warmup + count):
            began = time.perf_counter()
            answer = client.post(f"/v1/tasks/sample-metadata-query/projects/{PROJECT}", json={"tsv_filter": ""})
            elapsed = (time.perf_counter() - began) * 1000
            body = answer.json()
            if answer.status_code != 200 or body.get("status") != "SUCCESS":
                raise BenchError(f"sample-metadata-query: HTTP {answer.status_code} {json.dumps(body)[:500]}")
            if i >= warmup:
                rtt.ms.append(elapsed)
                rtt.seconds += elapsed / 1000
                numbers.append(int(body["task_id"]))
    return start_latency(svc.db_url, numbers), rtt


def start_latency(db_url: str, numbers: Sequence[int]) -> Latency:
    """task_started_at.started_at - task_history.created_at per task, from the service's database."""
    dsn = db_url.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT EXTRACT(EPOCH FROM (s.started_at - h.created_at)) * 1000 FROM task_history h "
            "JOIN task_started_at s ON s.task_id = h.task_id WHERE h.id = ANY(%s)",
            (list(numbers),),
        )
        found = [float(row[0]) for row in cur.fetchall()]
    conn.close()
    if len(found) != len(numbers):
        raise BenchError(f"only {len(found)} of {len(numbers)} tasks have a task_started_at row")
    return Latency("enqueue->start (idle worker, -c 1)", found, concurrency=1)


# -- (b) API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    expect: int


async def _client_loop(
    call: Call, url: str, token: str, tickets: Iterator[int], warmup: int, out: Latency, numbers: list[int]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as client:
        for ticket in tickets:
            began = time.perf_counter()
            answer = await client.request(call.method, call.path, json=call.body)
            elapsed = (time.perf_counter() - began) * 1000
            if answer.status_code != call.expect:
                key = str(answer.status_code)
                out.bad[key] = out.bad.get(key, 0) + 1
            elif call.expect == 201:
                numbers.append(int(answer.json()["task_id"]))
            if ticket >= warmup:
                out.ms.append(elapsed)


async def _load(call: Call, url: str, token: str, total: int, warmup: int, clients: int) -> tuple[Latency, list[int]]:
    out = Latency(call.name, concurrency=clients)
    numbers: list[int] = []
    tickets = iter(range(warmup + total))  # shared: each client takes the next request number
    began = time.perf_counter()
    await asyncio.gather(*(_client_loop(call, url, token, tickets, warmup, out, numbers) for _ in range(clients)))
    out.seconds = time.perf_counter() - began
    # The rate counts the measured requests only; warm-up requests are spread over the same wall time.
    out.seconds *= total / (warmup + total)
    return out, numbers


def api_runs(svc: Service, total: int, warmup: int, real: int, clients: int) -> tuple[list[Latency], list[int]]:
    url, token = svc.stack.api_url, svc.token
    history = Call("GET task-history/tasks/user?limit=10", "GET", "/v1/task-history/tasks/user?limit=10", None, 200)
    refused = Call(
        "POST bcftools-pipe, invalid command (400)",
        "POST",
        f"/v1/tasks/bcftools-pipe/projects/{PROJECT}",
        INVALID_PIPE,
        400,
    )
    submit = Call(
        "POST bcftools-pipe, valid (201, queued)",
        "POST",
        f"/v1/tasks/bcftools-pipe/projects/{PROJECT}",
        VALID_PIPE,
        201,
    )
    health = Call("GET /v1/health (no auth, no database: baseline)", "GET", "/v1/health", None, 200)
    runs = [asyncio.run(_load(health, url, token, total, warmup, 1))[0]]
    for call in (history, refused):
        for n in (1, clients):
            runs.append(asyncio.run(_load(call, url, token, total, warmup, n))[0])
    measured, numbers = asyncio.run(_load(submit, url, token, real, min(warmup, 10), 1))
    runs.append(measured)
    return runs, numbers


def drain(db_url: str, numbers: Sequence[int], timeout: float) -> dict[str, int]:
    """Wait (bounded) until the queued bcftools-pipe tasks have ended; count them by state."""
    dsn = db_url.replace("postgresql+psycopg2://", "postgresql://")
    deadline = time.monotonic() + timeout
    counts: dict[str, int] = {}
    while True:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT COALESCE(m.status, 'PENDING'), count(*) FROM task_history h "
                "LEFT JOIN celery_taskmeta m ON m.task_id = h.task_id WHERE h.id = ANY(%s) GROUP BY 1",
                (list(numbers),),
            )
            counts = {str(status): int(n) for status, n in cur.fetchall()}
        conn.close()
        ended = counts.get("SUCCESS", 0) + counts.get("FAILURE", 0)
        if ended >= len(numbers) or time.monotonic() > deadline:
            return counts
        time.sleep(1)


# -- report ------------------------------------------------------------------------------------


def machine(db_url: str, broker: str) -> dict[str, str]:
    facts = environment()
    facts["os"] = platform.platform()
    for package in ("celery", "kombu", "redis", "fastapi", "uvicorn", "httpx", "sqlalchemy", "psycopg2-binary"):
        try:
            facts[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            facts[package] = "-"
    facts["redis-server"] = str(redis.Redis.from_url(broker).info("server").get("redis_version", "?"))
    dsn = db_url.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version")
        facts["postgresql"] = str(cur.fetchone()[0])
    conn.close()
    weed = subprocess.run([str(weed_binary()), "version"], capture_output=True, text=True, check=False)
    found = re.search(r"\b\d+\.\d+(\.\d+)?\b", weed.stdout)
    facts["seaweedfs"] = found.group(0) if found else "?"
    facts["load average (1/5/15 min, at the end)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return facts


TARGETS = (
    # (row name prefix, which percentile, limit ms, target text)
    ("enqueue->start", "p50_ms", 10.0, "enqueue->start p50 <= 10 ms"),
    ("enqueue->start", "p99_ms", 50.0, "enqueue->start p99 <= 50 ms"),
    ("POST bcftools-pipe, valid", "p50_ms", 10.0, "API submit p50 <= 10 ms (c=1)"),
    ("POST bcftools-pipe, valid", "p99_ms", 50.0, "API submit p99 <= 50 ms (c=1)"),
    ("GET task-history", "p50_ms", 10.0, "API status p50 <= 10 ms (c=1)"),
    ("GET task-history", "p99_ms", 50.0, "API status p99 <= 50 ms (c=1)"),
)


def report(rows: list[dict[str, Any]], facts: dict[str, str], extra: dict[str, Any]) -> str:
    lines = ["", "machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()), ""]
    head = f"{'measurement':<55} {'c':>4} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8}  unexpected"
    lines += [head, "-" * len(head)]
    for r in rows:
        bad = ",".join(f"{k}x{v}" for k, v in r["unexpected"].items()) or "-"
        rate = f"{r['req_per_s']:.1f}" if r["req_per_s"] else "-"
        lines.append(
            f"{r['name']:<55} {r['concurrency']:>4} {r['n']:>6} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
            f"{r['max_ms']:>8.2f} {rate:>8}  {bad}"
        )
    lines += ["", f"{'target (DESIGN 6 / performance C3)':<40} {'measured':>10}  met", "-" * 56]
    for prefix, key, limit, text in TARGETS:
        row = next(r for r in rows if r["name"].startswith(prefix) and r["concurrency"] == 1)
        value = row[key]
        lines.append(f"{text:<40} {value:>7.2f} ms  {'yes' if value <= limit else 'NO'}")
    lines += ["", *(f"{k}: {v}" for k, v in extra.items())]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="60 tasks, 300 requests per API run, 50 real submits")
    parser.add_argument("--tasks", type=int, help="waited tasks for enqueue->start (default 300; quick 60)")
    parser.add_argument("--requests", type=int, help="requests per API run (default 2000; quick 300)")
    parser.add_argument("--submits", type=int, help="real bcftools-pipe submits (default 200; quick 50)")
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients of the loaded runs")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds to wait for queued tasks")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where results/server.json goes")
    args = parser.parse_args(argv)
    tasks = args.tasks or (60 if args.quick else 300)
    total = args.requests or (300 if args.quick else 2000)
    real = args.submits or (50 if args.quick else 200)
    warmup = 20
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())

    with tempfile.TemporaryDirectory(prefix="divbase-bench-server-") as tmp, service(Path(tmp), 1) as svc:
        print(f"stack up: api {svc.stack.api_url}; enqueue->start, {tasks} tasks after {warmup} warm-up ...")
        start, rtt = enqueue_to_start(svc, warmup, tasks)
        print(f"API runs: {total} requests after 50 warm-up, c=1 and c={args.clients} ...")
        runs, numbers = api_runs(svc, total, 50, real, args.clients)
        print(f"waiting for the {len(numbers)} queued bcftools-pipe tasks (at most {args.drain_timeout:.0f} s) ...")
        began = time.monotonic()
        states = drain(svc.db_url, numbers, args.drain_timeout)
        extra = {
            "queued bcftools-pipe tasks": f"{len(numbers)} submitted (incl. warm-up), states {states}, "
            f"drained in {time.monotonic() - began:.1f} s by one worker (-c 1)",
            "worker": "prefork -c 1, prefetch 1, acks_late (divbase defaults)",
            "note": "client, api, worker, Redis and PostgreSQL share this machine's cores",
            "load average at the start": load_at_start,
        }
        facts = machine(svc.db_url, svc.stack.env["DIVBASE_BROKER_URL"])
    rows = [r.summary() for r in (start, rtt, *runs)]
    text = report(rows, facts, extra)
    print(text)
    out = args.cache / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "server.json").write_text(json.dumps({"rows": rows, "machine": facts, **extra}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
