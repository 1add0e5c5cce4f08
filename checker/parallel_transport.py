"""Point-to-point messages between the coordinator and the workers of a parallel search.

Every pair of processes has its own connection, and every message is bytes: nothing is
shared but what is sent, so the same protocol can run over sockets between machines.
Each worker reads all its connections on a thread of its own, so that two workers sending
large batches to each other never both block on a full pipe; the thread only moves bytes
to a queue (reads release the GIL) and raises the abort flag when the coordinator asks.
"""

from __future__ import annotations

import pickle
import queue
import threading
from multiprocessing.connection import Connection, wait
from typing import Any

from .deadline import timer_held

COORDINATOR = -1
ABORT = b"abort"  # the one message the receiving thread acts on itself


def dumps(msg: Any) -> bytes:
    return pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)


loads = pickle.loads


class Mesh:
    """Connections of one process, by peer id (COORDINATOR or a worker number)."""

    def __init__(self, conns: dict[int, Connection]):
        self.conns = conns
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.abort = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._receive, name="protocheck-receiver", daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        by_conn = {c: src for src, c in self.conns.items()}
        live = list(by_conn)
        while live:
            for c in wait(live):
                try:
                    data = c.recv_bytes()
                except (EOFError, OSError):
                    live.remove(c)
                    if by_conn[c] == COORDINATOR:  # the coordinator is gone: stop working
                        self.abort.set()
                        self.inbox.put((COORDINATOR, None))
                    continue
                if data == ABORT and by_conn[c] == COORDINATOR:
                    self.abort.set()
                    continue
                self.inbox.put((by_conn[c], data))

    def send(self, dest: int, msg: Any) -> None:
        data = dumps(msg)
        with timer_held():  # never half a message: a time limit met now takes effect after it
            self.conns[dest].send_bytes(data)

    def get(self) -> tuple[int, bytes | None]:
        """The next (sender, raw message); raw is None when the coordinator hung up."""
        return self.inbox.get()
