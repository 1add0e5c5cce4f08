"""A worker process of the parallel search: what it sets up before serving, and how it ends.

The process-level choices live here (signals, core pinning, the cyclic collector, exiting
without teardown), apart from the worker's search logic (parallel_worker.py).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import traceback
from multiprocessing.connection import Connection

from .parallel_messages import Crash
from .parallel_transport import COORDINATOR, Mesh
from .parallel_worker import Worker
from .search import GC_THRESHOLD, Search


def _pin(me: int, nworkers: int) -> None:
    """When the workers take every core this process may use, keep each on a core of its
    own: a worker the scheduler moves between cores finds its caches cold (two-phase 8 RMs,
    2 workers on 2 cores: 15.3-15.5 s pinned, 15.7-15.9 s not). With fewer workers than
    cores, pinning could stack two concurrent searches on the same cores, so the OS decides."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        if nworkers == len(cpus):
            os.sched_setaffinity(0, {cpus[me]})
    except (AttributeError, OSError):  # no affinity on this platform, or not allowed
        pass


def run_worker(me: int, search: Search, frontier: list, conns: dict[int, Connection], unused: list) -> None:
    """The body of worker process `me` (forked from the coordinator): set the process up, take
    the initial states it owns, and serve until the coordinator says quit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    _pin(me, len(conns))  # one connection per peer and one to the coordinator
    for c in unused:
        c.close()
    # States are immutable values and rarely cyclic: collecting every 700 allocations cost ~10%.
    # freeze() also keeps the collector off the pages inherited from the coordinator.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    mesh = Mesh(conns)
    mesh.start()
    fp = search.fingerprint or hash
    nw = len(conns)
    mine = [k for k, s in enumerate(frontier) if fp(s) % nw == me]
    try:
        worker = Worker(me, nw, search, [frontier[k] for k in mine], mine,
                        [search.log.parents[k] for k in mine], [fp(frontier[k]) for k in mine], mesh)
        worker.serve()
    except BaseException:
        try:
            mesh.send(COORDINATOR, Crash(me, traceback.format_exc()))
        except Exception:
            pass
        return
    # Done: leave without freeing the visited set and the states one by one, which the
    # coordinator would wait for (0.08 s at two-phase 8 RMs); the OS takes the pages back.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
