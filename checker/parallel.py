"""Breadth-first search in several processes that partition the fingerprint space.

Worker w owns the fingerprints h with h % workers == w: it holds that slice of the visited
set, expands the states it owns and sends each successor it does not own, in batches, to
its owner (parallel_worker.py). Nothing is shared and nothing is deduplicated centrally:
this process (the coordinator) computes the initial states, starts one level at a time,
decides from each worker's short report whether the search goes on, and rebuilds traces.

Results are those of the one-process search, counts included, even when it stops in the
middle of a level: every successor has a key that orders it as the one-process search
generates it (parallel_loop.py), each worker reports the events of its level (invariant
violations, deadlocks, errors) with their keys, and the coordinator takes them in key
order, stops where one process would have stopped, and asks each worker for its counts up
to that point. Traces follow the same parents, so they are the same shortest traces.

Workers are forked: they inherit the spec and the per-process seed of string hashes, so
their fingerprints agree. A version across machines must fix PYTHONHASHSEED (the CLI
does) and ship the spec by import path; the messages are already plain bytes.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import pickle
import signal
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable

from .diagnose import Diagnosis
from .errors import SpecError
from .fingerprint import orbit_collision_factor
from .parallel_loop import LOW, SHIFT
from .parallel_transport import ABORT, COORDINATOR, dumps, loads
from .parallel_process import run_worker
from .result import CheckResult, Coverage, Violation
from .search import ExactRerun, Search, _Stop, constants_of
from .successors import nth_step
from .trace import replay

UNLIMITED = 1 << 62


def resolve_workers(workers: int | str) -> int:
    """`workers` as a number of processes: an int >= 1, or 'auto' for every core."""
    if workers == "auto":
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError(f"workers={workers!r} must be a positive integer or 'auto' (one process per core).")
    most = max_workers()
    if workers > most:
        raise SpecError(
            f"workers={workers} is more than this machine can start: every pair of processes shares a pipe, and the "
            f"limit on open files (ulimit -n) allows at most {most} worker(s). Use at most {most}, or 'auto' (one per "
            f"core: {os.cpu_count() or 1} here)."
        )
    return workers


def max_workers() -> int:
    """Most workers whose pipes fit in the open-file limit: n workers and this process hold
    n(n+1) pipe ends (every pair shares one pipe), besides some 30 other files."""
    import resource

    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    room = 1 << 20 if limit == resource.RLIM_INFINITY else limit - 32
    return max(1, (math.isqrt(4 * max(room, 0) + 1) - 1) // 2)


class EngineFailure(RuntimeError):
    """A worker process failed for a reason other than the spec's code (a bug, or it was killed)."""


def check_parallel(spec: Any, *, workers: int, progress: Callable[[dict], None] | None = None,
                   progress_interval: float = 2.0, **options: Any) -> CheckResult:
    """`check()` with `workers` > 1 processes; same arguments, same result."""
    search = Search(spec, progress=progress, progress_interval=progress_interval, **options)
    search.t0 = time.monotonic()
    search.next_report = search.t0 + progress_interval
    try:
        frontier = search._initial()
    except _Stop as stop:
        return _with_workers(search._result(stop.status, stop.reason), workers)
    except KeyboardInterrupt:
        return _with_workers(search._result("interrupted", "interrupted by the user (Ctrl-C)"), workers)
    try:
        pickle.dumps(frontier)
    except Exception as exc:
        raise SpecError(
            f"A parallel search sends states between processes, and these cannot be pickled ({exc}). Define the "
            "state class at module level (not inside a function), or check with workers=1."
        ) from None
    return Coordinator(search, frontier, workers).run()


def _with_workers(result: CheckResult, workers: int) -> CheckResult:
    result.workers = workers
    return result


class Coordinator:
    def __init__(self, search: Search, frontier: list, nworkers: int):
        self.search, self.frontier, self.n = search, frontier, nworkers
        self.info, self.spec = search.info, search.spec
        self.count = len(search.log)  # distinct states so far
        self.level = 1
        self.size = len(frontier)  # states in the level being expanded
        self.fired = list(search.fired)
        self.new = [0] * len(search.info.actions)
        self.latest: dict[int, tuple] = {}
        self.interrupted = False
        self.replies: dict[int, tuple] = {}
        self.wake_r: int | None = None

    # -- processes -----------------------------------------------------------------------------

    def _start(self) -> None:
        """One duplex connection per pair of processes (the coordinator is -1), then fork the workers."""
        ctx = mp.get_context("fork")
        ends: dict[tuple[int, int], Connection] = {}  # (owner, peer) -> the owner's end
        for a in range(-1, self.n):
            for b in range(a + 1, self.n):
                ends[a, b], ends[b, a] = ctx.Pipe(duplex=True)
        self.conns = {w: ends[-1, w] for w in range(self.n)}
        self.procs = []
        for w in range(self.n):
            mine = {(COORDINATOR if peer == -1 else peer): c for (owner, peer), c in ends.items() if owner == w}
            unused = [c for (owner, _), c in ends.items() if owner != w]
            p = ctx.Process(target=run_worker, args=(w, self.search, self.frontier, mine, unused), daemon=True)
            p.start()
            self.procs.append(p)
        for (owner, _), c in ends.items():
            if owner != -1:
                c.close()

    def _stop_workers(self) -> None:
        self._abort()  # a worker in the middle of a level finishes it early, then reads "quit"
        for c in self.conns.values():
            try:
                c.send_bytes(dumps(("quit",)))
            except OSError:
                pass
        for p in self.procs:
            p.join(timeout=2)
            if p.is_alive():
                p.terminate()
                p.join()
        for c in self.conns.values():
            c.close()

    def _broadcast(self, msg: Any) -> None:
        data = dumps(msg)
        for c in self.conns.values():
            c.send_bytes(data)

    def _abort(self) -> None:
        for c in self.conns.values():
            try:
                c.send_bytes(ABORT)
            except OSError:
                pass

    def _gather(self, tag: str) -> list[tuple]:
        """One reply per worker, in worker order, while relaying progress and watching for failures.

        Replies received so far survive a KeyboardInterrupt, so that gathering again after
        asking the workers to abort still counts them."""
        replies = self.replies
        by_conn = {c: w for w, c in self.conns.items()}
        sentinels = {p.sentinel: w for w, p in enumerate(self.procs)}
        search = self.search
        while len(replies) < self.n:
            timeout = None
            if search.progress is not None:
                timeout = max(0.0, search.next_report - time.monotonic())
            ready = wait(list(by_conn) + list(sentinels) + ([self.wake_r] if self.wake_r is not None else []), timeout)
            for r in ready:
                if r == self.wake_r:
                    os.read(self.wake_r, 64)
                    self._abort()
                    continue
                if r in sentinels:
                    if not any(c.poll() for c in self.conns.values()):
                        raise EngineFailure(f"parallel worker {sentinels[r]} died (exit code {self.procs[sentinels[r]].exitcode})")
                    continue
                msg = loads(r.recv_bytes())
                if msg[0] == "progress":
                    self.latest[msg[1]] = msg[2:]
                elif msg[0] == "crash":
                    raise EngineFailure(f"parallel worker {msg[1]} failed:\n{msg[2]}")
                else:
                    assert msg[0] == tag, msg
                    replies[by_conn[r]] = msg
            if search.progress is not None and time.monotonic() >= search.next_report:
                search.next_report = time.monotonic() + search.progress_interval
                search.progress(self._snapshot())
        self.replies = {}
        return [replies[w] for w in range(self.n)]

    def _snapshot(self) -> dict:
        elapsed = time.monotonic() - self.search.t0
        distinct = self.count + sum(v[1] for v in self.latest.values())
        return {
            "distinct": distinct, "generated": self.search.generated + sum(v[0] for v in self.latest.values()),
            "queue": self.size - sum(v[2] for v in self.latest.values()), "depth": self.search.depth,
            "seconds": elapsed, "per_second": distinct / elapsed if elapsed > 0 else 0.0,
        }

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> CheckResult:
        self._start()
        previous = None
        if threading.current_thread() is threading.main_thread():
            # Ctrl-C must not land between reading a reply and keeping it: the handler only
            # raises a flag and wakes _gather, which asks the workers to end the level.
            self.wake_r, self.wake_w = os.pipe()
            previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            status, reason = self._levels()
        except KeyboardInterrupt:  # a second Ctrl-C: give up waiting for the workers
            status, reason = "interrupted", "interrupted by the user (Ctrl-C)"
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
                os.close(self.wake_r)
                os.close(self.wake_w)
            self._stop_workers()
        return self._result(status, reason)

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        os.write(self.wake_w, b"!")

    def _levels(self) -> tuple[str, str]:
        search = self.search
        while True:
            if search.time_limit is not None and time.monotonic() - search.t0 >= search.time_limit:
                return "incomplete", f"reached time_limit={search.time_limit}s"
            probe = search.max_depth is not None and search.depth >= search.max_depth
            budget = 0 if probe else (search.max_states - self.count if search.max_states is not None else UNLIMITED)
            self.latest = {}
            self._broadcast(("level", budget, set(search.violated), search.time_limit, search.t0, search.progress_interval))
            dones = self._gather("done")
            self._check_parts(dones)
            stop = self._decide(dones, budget, probe)
            if stop is not None:
                return stop
            total = sum(d[1] for d in dones)
            self.count += total
            for d in dones:
                search.generated += sum(d[2])
                self.fired = [a + b for a, b in zip(self.fired, d[2])]
                self.new = [a + b for a, b in zip(self.new, d[3])]
            if self.interrupted or any(d[5] for d in dones):
                self.size = total
                if self.interrupted or any(d[5] == "interrupted" for d in dones):
                    return "interrupted", "interrupted by the user (Ctrl-C)"
                return "incomplete", f"reached time_limit={search.time_limit}s"
            if not total:
                self.size = 0
                return "ok", ""
            search.depth += 1
            self.level += 1
            self.size = total

    def _check_parts(self, dones: list[tuple]) -> None:
        """Register the parts new to each worker this level; a clash within a worker or between
        two voids the search (fingerprint.py), which then runs again exactly in one process."""
        registry = self.search.registry
        for d in dones:
            if d[7] is not None:
                raise ExactRerun(d[7])
            registry.register(d[6])
            self.search.exercise.discard(d[8])
        if registry.clash is not None:
            raise ExactRerun(registry.clash)

    def _decide(self, dones: list[tuple], budget: int, probe: bool) -> tuple[str, str] | None:
        """Take the level's events in the one-process order; return (status, reason) if the search stops here."""
        search = self.search
        limit = None
        if sum(d[1] for d in dones) > budget:
            keys = sorted(k for r in self._ask(("keys",), "keys") for k in _ints(r[1]))
            cut = keys[budget]
            limit = (cut >> SHIFT, cut & LOW, 0)
        events = sorted((e for d in dones for e in d[4]), key=lambda e: e[0])
        for pos, kind, data, where in events:
            if limit is not None and pos >= limit:
                break
            if kind == "deadlock":
                if "deadlock" in search.violated:  # one deadlock trace under --continue, as one process keeps
                    continue
                self._record(Diagnosis("deadlock", "deadlock", "no action is enabled in this state (deadlock)", None, None), where)
                if search.stop_on_first:
                    search.depth = max(search.depth, len(search.violations[-1].trace))
                    return self._cut(pos, True, "deadlock", "")
            elif kind == "invariant":
                for name, message in data:
                    if name in search.violated:
                        continue
                    self._record(Diagnosis("invariant", name, message, None, None), where)
                    if search.stop_on_first:
                        search.depth = max(search.depth, len(search.violations[-1].trace))
                        return self._cut(pos, True, "violation", "")
            else:
                name, message, step, tb = data
                self._record(Diagnosis("error", name, message, step, tb), where)
                return self._cut(pos, True, "error", message)
        if limit is not None:
            return self._cut(limit, False, "incomplete", search.depth_reason() if probe else search.states_reason())
        return None

    def _cut(self, pos: tuple, include: bool, status: str, reason: str) -> tuple[str, str]:
        """Counts as one process has them when it stops at `pos` (rank, successor ordinal, phase)."""
        replies = self._ask(("cut", pos[0], pos[1], include), "cut")
        self.count += sum(r[1] for r in replies)
        for r in replies:
            self.new = [a + b for a, b in zip(self.new, r[2])]
            self.fired = [a + b for a, b in zip(self.fired, r[3])]
            self.search.generated += sum(r[3])
        self.size = self.size - sum(r[4] for r in replies) + sum(r[1] for r in replies)
        return status, reason

    def _ask(self, msg: tuple, tag: str) -> list[tuple]:
        self._broadcast(msg)
        return self._gather(tag)

    # -- traces --------------------------------------------------------------------------------

    def _path(self, level: int, rank: int) -> tuple[int, list[int]]:
        """(initial ordinal, successor ordinals) leading to the state of rank `rank` in `level`."""
        ordinals = []
        while level > 1:
            key = next(r[1] for r in self._ask(("key_of", level, rank), "key") if r[1] is not None)
            ordinals.append(key & LOW)
            rank, level = key >> SHIFT, level - 1
        ordinals.reverse()
        return -1 - self.search.log.parents[rank], ordinals

    def _record(self, diag: Diagnosis, where: tuple) -> None:
        search = self.search
        if diag.kind != "error":
            search.violated.add(diag.name)
        trace = []
        try:
            if where[0] == "at":
                ordinal, gs = self._path(self.level, where[1])
            else:
                ordinal, gs = self._path(self.level, where[1] >> SHIFT)
                gs.append(where[1] & LOW)
            s, steps = search.inits[ordinal], []
            for g in gs:
                step, s = nth_step(self.info, self.spec, s, g)
                steps.append(step)
            if diag.step is not None:
                steps.append(diag.step)
            trace = replay(self.spec, self.info.actions, search.inits[ordinal], steps)
        except (EngineFailure, KeyboardInterrupt):
            raise
        except Exception as exc:
            diag = Diagnosis("error", diag.name, f"{diag.message} (and the trace could not be rebuilt: {exc})", None, diag.traceback)
        search.violations.append(Violation(diag.kind, diag.name, diag.message, trace, diag.traceback))

    def _result(self, status: str, reason: str) -> CheckResult:
        search = self.search
        kinds = {v.kind for v in search.violations}
        status = "error" if "error" in kinds else "violation" if "invariant" in kinds else "deadlock" if "deadlock" in kinds else status
        n, g = self.count, search.generated
        return CheckResult(
            status=status, distinct_states=n, generated_states=g, depth=search.depth,
            seconds=time.monotonic() - search.t0, spec=type(self.spec).__name__, constants=constants_of(self.spec),
            invariants=list(search.invariants),
            coverage={a.name: Coverage(self.fired[i], self.new[i]) for i, a in enumerate(self.info.actions)},
            violations=search.violations, reason=reason,
            queue=max(self.size, 0) if status in ("incomplete", "interrupted") else 0,
            collision_probability=n * max(g - n, 0) / 2.0**64 * orbit_collision_factor(search.fingerprint),
            workers=self.n, deadlock_checked=search.deadlock, init_states=len(search.inits),
            symmetry=getattr(search.fingerprint, "symmetry", 0), warnings=search.warnings,
            vacuous=search.exercise.vacuous(),
        )


def _ints(data: bytes) -> Iterable[int]:
    import numpy as np

    return np.frombuffer(data, dtype=np.int64).tolist()
