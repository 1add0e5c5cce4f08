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

import multiprocessing as mp
import os
import pickle
import signal
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any, Iterable

from .diagnose import Diagnosis
from .errors import SpecError
from .options import Options
from .outcome import DEADLOCK_MESSAGE, INTERRUPTED, Counts, build_result, stop_for
from .parallel_loop import LOW, SHIFT
from .parallel_messages import (AskKeys, Crash, Cut, CutCounts, Event, Expanding, Generated, KeyOf, Level, LevelDone,
                                ParentKey, Phase, Position, Progress, Quit, SortedKeys)
from .parallel_transport import ABORT, COORDINATOR, dumps, loads
from .parallel_process import run_worker
from .result import CheckResult, Violation
from .search import ExactRerun, Search, _Stop
from .successors import nth_step
from .trace import replay

UNLIMITED = 1 << 62


class EngineFailure(RuntimeError):
    """A worker process failed for a reason other than the spec's code (a bug, or it was killed)."""


def check_parallel(spec: Any, options: Options) -> CheckResult:
    """`check()` in `options.processes` (> 1) processes; same result."""
    workers = options.processes
    search = Search(spec, options)
    search.t0 = time.monotonic()
    search.next_report = search.t0 + options.progress_interval
    try:
        frontier = search._initial()
    except _Stop as stop:
        return _one_process_result(search, stop.status, stop.reason, workers)
    except KeyboardInterrupt:
        return _one_process_result(search, "interrupted", INTERRUPTED, workers)
    try:
        pickle.dumps(frontier)
    except Exception as exc:
        raise SpecError(
            f"A parallel search sends states between processes, and these cannot be pickled ({exc}). Define the "
            "state class at module level (not inside a function), or check with workers=1."
        ) from None
    return Coordinator(search, frontier, workers).run()


def _one_process_result(search: Search, status: str, reason: str, workers: int) -> CheckResult:
    """A search that ended among its initial states, before any worker started."""
    result = search._result(status, reason)
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
        self.latest: dict[int, Progress] = {}  # each worker's last progress report in this level
        self.interrupted = False
        self.replies: dict[int, Any] = {}
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
                c.send_bytes(dumps(Quit()))
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

    def _gather(self, reply: type) -> list:
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
                if type(msg) is Progress:
                    self.latest[msg.worker] = msg
                elif type(msg) is Crash:
                    raise EngineFailure(f"parallel worker {msg.worker} failed:\n{msg.traceback}")
                else:
                    assert type(msg) is reply, msg
                    replies[by_conn[r]] = msg
            if search.progress is not None and time.monotonic() >= search.next_report:
                search.next_report = time.monotonic() + search.progress_interval
                search.progress(self._snapshot())
        self.replies = {}
        return [replies[w] for w in range(self.n)]

    def _snapshot(self) -> dict:
        elapsed = time.monotonic() - self.search.t0
        distinct = self.count + sum(p.new_states for p in self.latest.values())
        return {
            "distinct": distinct, "generated": self.search.generated + sum(p.generated for p in self.latest.values()),
            "queue": self.size - sum(p.expanded for p in self.latest.values()), "depth": self.search.depth,
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
            status, reason = "interrupted", INTERRUPTED
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
                return "incomplete", search.time_reason()
            probe = search.max_depth is not None and search.depth >= search.max_depth
            budget = 0 if probe else (search.max_states - self.count if search.max_states is not None else UNLIMITED)
            self.latest = {}
            self._broadcast(Level(budget, set(search.violated), search.time_limit, search.t0, search.progress_interval))
            dones: list[LevelDone] = self._gather(LevelDone)
            self._check_parts(dones)
            stop = self._decide(dones, budget, probe)
            if stop is not None:
                return stop
            total = sum(d.new_states for d in dones)
            self.count += total
            for d in dones:
                self._add(d.fired, d.new)
            if self.interrupted or any(d.stopped for d in dones):
                self.size = total
                if self.interrupted or any(d.stopped == "interrupted" for d in dones):
                    return "interrupted", INTERRUPTED
                return "incomplete", search.time_reason()
            if not total:
                self.size = 0
                return "ok", ""
            search.depth += 1
            self.level += 1
            self.size = total

    def _add(self, fired: list[int], new: list[int]) -> None:
        """Add a worker's successors and new states per action to the totals."""
        self.search.generated += sum(fired)
        self.fired = [a + b for a, b in zip(self.fired, fired)]
        self.new = [a + b for a, b in zip(self.new, new)]

    def _check_parts(self, dones: list[LevelDone]) -> None:
        """Register the parts new to each worker this level; a clash within a worker or between
        two voids the search (fingerprint.py), which then runs again exactly in one process."""
        registry = self.search.registry
        for d in dones:
            if d.asymmetry:  # as in one process: a declaration that is not a symmetry ends the check
                raise SpecError(d.asymmetry)
            if d.clash is not None:
                raise ExactRerun(d.clash)
            registry.register(d.fresh_parts)
            self.search.exercise.discard(d.exercised)
        if registry.clash is not None:
            raise ExactRerun(registry.clash)

    def _decide(self, dones: list[LevelDone], budget: int, probe: bool) -> tuple[str, str] | None:
        """Take the level's events in the one-process order; return (status, reason) if the search stops here."""
        search = self.search
        limit = None
        if sum(d.new_states for d in dones) > budget:
            keys = sorted(k for r in self._ask(AskKeys(), SortedKeys) for k in _ints(r.data))
            cut = keys[budget]
            limit = Position(cut >> SHIFT, cut & LOW, Phase.GENERATED)
        events: list[Event] = sorted((e for d in dones for e in d.events), key=lambda e: e.position)
        for event in events:
            if limit is not None and event.position >= limit:
                break
            if event.kind == "deadlock":
                findings = [Diagnosis("deadlock", "deadlock", DEADLOCK_MESSAGE, None, None)]
            elif event.kind == "invariant":
                findings = [Diagnosis("invariant", name, message, None, None) for name, message in event.detail]
            else:
                findings = [event.detail]
            for diag in findings:
                if diag.kind != "error" and diag.name in search.violated:
                    continue  # one trace per invariant (and one for deadlock) under --continue, as one process keeps
                self._record(diag, event.where)
                status = stop_for(diag.kind, search.stop_on_first)
                if status is not None:
                    return self._cut(event.position, True, status, diag.message if status == "error" else "")
        if limit is not None:
            return self._cut(limit, False, "incomplete", search.depth_reason() if probe else search.states_reason())
        return None

    def _cut(self, pos: Position, include: bool, status: str, reason: str) -> tuple[str, str]:
        """Counts as one process has them when it stops at `pos`."""
        replies: list[CutCounts] = self._ask(Cut(pos.rank, pos.successor, include), CutCounts)
        new_states = sum(r.new_states for r in replies)
        self.count += new_states
        for r in replies:
            self._add(r.fired, r.new)
        self.size = self.size - sum(r.expanded for r in replies) + new_states
        return status, reason

    def _ask(self, msg: Any, reply: type) -> list:
        self._broadcast(msg)
        return self._gather(reply)

    # -- traces --------------------------------------------------------------------------------

    def _path(self, level: int, rank: int) -> tuple[int, list[int]]:
        """(initial ordinal, successor ordinals) leading to the state of rank `rank` in `level`."""
        ordinals = []
        while level > 1:
            key = next(r.key for r in self._ask(KeyOf(level, rank), ParentKey) if r.key is not None)
            ordinals.append(key & LOW)
            rank, level = key >> SHIFT, level - 1
        ordinals.reverse()
        return -1 - self.search.log.parents[rank], ordinals

    def _record(self, diag: Diagnosis, where: Expanding | Generated) -> None:
        search = self.search
        if diag.kind != "error":
            search.violated.add(diag.name)
        trace = []
        try:
            if type(where) is Expanding:
                ordinal, gs = self._path(self.level, where.rank)
            else:
                ordinal, gs = self._path(self.level, where.key >> SHIFT)
                gs.append(where.key & LOW)
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
        counts = Counts(self.count, self.search.generated, self.fired, self.new, self.size)
        return build_result(self.search, status, reason, counts, workers=self.n)


def _ints(data: bytes) -> Iterable[int]:
    import numpy as np

    return np.frombuffer(data, dtype=np.int64).tolist()
