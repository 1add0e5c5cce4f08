"""Random walks in several processes, split by walk index.

Why by index: walk k depends only on (seed, k) (walk.py), so worker w of n runs walks
w, w+n, w+2n, ... and the union is the set of walks one process would run. The finding
reported is the one of the lowest-numbered violating walk, as in one process: a worker
publishes the index of its finding, and every worker keeps walking while its next index
is below the lowest published one, so each walk before the first violating walk is run by
somebody. Workers are forked (the spec need not be importable by name) and send back their
statistics and finding through a pipe; counters in shared memory feed the progress line.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import time
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from .deadline import Deadline, TimeLimitReached
from .walk import Finding, WalkStats

if TYPE_CHECKING:
    from .simulate import Simulator

NONE_FOUND = 2**62


def walk_in_parallel(sim: "Simulator", n: int) -> tuple[Finding | None, WalkStats, str]:
    ctx = multiprocessing.get_context("fork")
    lowest = ctx.Value("q", NONE_FOUND)
    counters = ctx.Array("q", 3 * n, lock=False)  # per worker: traces, steps, deepest
    procs, conns = [], []
    for w in range(n):
        receive, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_worker, args=(sim, w, n, lowest, counters, send), daemon=True)
        p.start()
        send.close()
        procs.append(p)
        conns.append(receive)
    results: list[tuple[Finding | None, WalkStats]] = []
    o = sim.options
    try:
        pending = list(conns)
        next_report = sim.t0 + o.progress_interval
        while pending:
            for conn in wait(pending, timeout=o.progress_interval):
                try:
                    results.append(conn.recv())
                except EOFError:
                    raise RuntimeError("a simulation worker died without reporting (killed, or out of memory)") from None
                pending.remove(conn)
            if o.progress is not None and time.monotonic() >= next_report:
                next_report = time.monotonic() + o.progress_interval
                o.progress(_snapshot(sim, counters, n))
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        stats = WalkStats(len(sim.info.actions))
        stats.traces, stats.steps = sum(counters[0::3]), sum(counters[1::3])
        return None, stats, "interrupted"
    finally:
        for p in procs:
            p.join(timeout=5)
    stats = WalkStats(len(sim.info.actions))
    findings = []
    for finding, part in results:
        stats.merge(part)
        if finding is not None:
            findings.append(finding)
    finding = min(findings, key=lambda f: f.walk) if findings else None
    return finding, stats, "no_violation"


def _snapshot(sim: "Simulator", counters: Any, n: int) -> dict:
    elapsed = time.monotonic() - sim.t0
    steps = sum(counters[1::3])
    return {"mode": "simulate", "traces": sum(counters[0::3]), "steps": steps, "distinct": None,
            "deepest": max(counters[2::3]), "seconds": elapsed, "per_second": steps / elapsed if elapsed > 0 else 0.0}


def _worker(sim: "Simulator", w: int, n: int, lowest: Any, counters: Any, conn: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    o = sim.options
    walker = sim.walker()
    walker.t0 = sim.t0
    budget = o.budget if o.budget is not None else math.inf
    left = None if o.time_limit is None else max(o.time_limit - (time.monotonic() - sim.t0), 1e-3)
    finding = None
    try:
        with Deadline(left):
            k = w
            while k < budget and k < lowest.value:
                found = walker.walk(k)
                stats = walker.stats
                counters[3 * w], counters[3 * w + 1], counters[3 * w + 2] = stats.traces, stats.steps, stats.max_depth
                if found is not None:
                    with lowest.get_lock():
                        if k < lowest.value:
                            lowest.value = k
                    finding = found
                    break
                k += n
    except TimeLimitReached:
        pass
    conn.send((finding, walker.stats))
    conn.close()
