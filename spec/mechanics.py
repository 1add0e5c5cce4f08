"""Mechanics shared by the protocol models, written once so that every model loses,
duplicates and reorders messages, truncates logs and spends its fault budget the same way,
and so that its states stay small tuples (cheap to hash, equal when they mean the same).

Conventions (one each):
- a process id is an int 0..n-1; per-process variables are tuples indexed by id;
- a log is a tuple of entries, the entry at offset i at position i; its end offset (the
  next offset to write, Kafka's log end offset, Zab's last zxid + 1) is `len(log)`;
- a FIFO channel (one TCP connection) is a tuple, oldest message first;
- a bag (a network that may reorder) is a sorted tuple: equal bags are equal tuples;
- an id set (ISR, group members, partitions added to a transaction) is a sorted tuple of
  distinct ids;
- a fault budget counts *up*: the state holds how many faults of a kind have happened (0 at
  the start), the constant holds the limit. Counting up keeps the initial state the same
  for every limit and makes a trace read as history ("crashes=1": one crash so far), and the
  same rule covers per-item counters such as a batch's retries.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Any, Callable, Iterable


def set_at(t: tuple, i: int, value: Any) -> tuple:
    """`t` with position `i` replaced (TLA+'s [t EXCEPT ![i] = value])."""
    return t[:i] + (value,) + t[i + 1 :]


def update(t: tuple, changes: dict[int, Any]) -> tuple:
    """`t` with several positions replaced (one copy instead of one per position)."""
    out = list(t)
    for i, v in changes.items():
        out[i] = v
    return tuple(out)


# -- fault budgets -----------------------------------------------------------------------------


def budget_left(used: int, limit: int) -> bool:
    """May one more fault of this kind happen? `used` is the state's count so far (faults
    count up, see the module docstring), `limit` the constant bounding them."""
    return used < limit


# -- FIFO channels (a TCP connection: delivered in order, lost only all at once) ---------------


def fifo_send(channel: tuple, msg: Any) -> tuple:
    """The channel with `msg` queued behind everything already in it."""
    return channel + (msg,)


def fifo_receive(channel: tuple) -> tuple[Any, tuple]:
    """(the oldest message, the channel without it); the channel must not be empty. A
    receive that first looks at the message reads `channel[0]`."""
    return channel[0], channel[1:]


# -- bags (a network that reorders; duplication = delivering without removing) -----------------


def bag_add(bag: tuple, msg: Any) -> tuple:
    """The bag with one more copy of `msg`."""
    out = list(bag)
    insort(out, msg)
    return tuple(out)


def bag_add_all(bag: tuple, msgs: Iterable[Any]) -> tuple:
    """The bag with one more copy of each of `msgs` (a broadcast)."""
    return tuple(sorted(bag + tuple(msgs)))


def bag_remove(bag: tuple, msg: Any) -> tuple:
    """The bag with one copy of `msg` fewer (it must be present)."""
    i = bag.index(msg)
    return bag[:i] + bag[i + 1 :]


def bag_distinct(bag: tuple) -> tuple:
    """Each different message once, in order: the domain of a 'receive' action (delivering
    one of two identical copies is one choice, not two)."""
    out, last = [], object()
    for m in bag:
        if m != last:
            out.append(m)
            last = m
    return tuple(out)


# -- id sets (sorted tuples of distinct ids) ---------------------------------------------------


def id_set_add(ids: tuple, x: Any) -> tuple:
    """`ids` with `x` in it; unchanged if it already was (adding twice is adding once)."""
    i = bisect_left(ids, x)
    if i < len(ids) and ids[i] == x:
        return ids
    return ids[:i] + (x,) + ids[i:]


def id_set_remove(ids: tuple, x: Any) -> tuple:
    """`ids` without `x`; unchanged if it was not there (removing twice is removing once)."""
    return tuple(y for y in ids if y != x)


# -- logs --------------------------------------------------------------------------------------


def common_prefix(a: tuple, b: tuple) -> int:
    """Length of the longest common prefix of two logs: where a follower's log and its
    leader's diverge, the offset it truncates to."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


# A log with an unflushed tail: a process appends in memory (its write buffer) and fsyncs
# later; `durable` counts the entries already on disk. A crash keeps only those; a truncation
# is written to disk at once, so it cuts both. Used wherever "acknowledged before fsync" is
# the question (ZooKeeper's NEWLEADER ACK, Kafka's unflushed tail). A model without fsync
# passes durable=len(log) or uses only log_append and log[:n].


def log_append(log: tuple, entries: tuple) -> tuple:
    """The log with `entries` appended in memory (not yet on disk: `durable` is unchanged)."""
    return log + tuple(entries)


def log_after_crash(log: tuple, durable: int) -> tuple:
    """What a restarted process finds on disk."""
    return log[:durable]


def log_truncate(log: tuple, durable: int, n: int) -> tuple[tuple, int]:
    """Truncate to the first `n` entries (end offset `n`, on disk too): the new (log, durable)."""
    return log[:n], min(durable, n)


def durably_holds(log: tuple, durable: int, entry: Any) -> bool:
    """Is `entry` among the entries already on disk?"""
    return entry in log[:durable]


# -- logs with leader epochs (Kafka's epoch cache, Raft's term per entry) ----------------------


def _second(entry: tuple) -> Any:
    return entry[1]


def epoch_end_offset(log: tuple, epoch: int, epoch_of: Callable[[Any], int] = _second) -> tuple[int, int]:
    """What a leader answers to "where does epoch `epoch` end in your log?" (Kafka's
    OffsetsForLeaderEpoch / a fetch's diverging-epoch check): the largest epoch <= `epoch`
    that has entries, and the offset just after its last entry. (-1, 0) when no entry has
    an epoch <= `epoch`. Epochs along a log never decrease, so one pass from the end suffices."""
    for o in range(len(log) - 1, -1, -1):
        e = epoch_of(log[o])
        if e <= epoch:
            return e, o + 1
    return -1, 0


def epoch_start_offset(log: tuple, epoch: int, epoch_of: Callable[[Any], int] = _second) -> int:
    """The offset of the first entry of `epoch` or later (the log end if there is none):
    where a leader's own epoch begins in its log."""
    return next((o for o, entry in enumerate(log) if epoch_of(entry) >= epoch), len(log))


# -- one request slot per client (a client with one request outstanding at a time) ------------


def slot_holds(slot: tuple, kind: int) -> bool:
    """A per-client in-flight slot is () when idle, else a tuple whose first element says
    what it holds (e.g. 1 = a request on its way, 2 = its response on its way back)."""
    return bool(slot) and slot[0] == kind
