"""Mechanics shared by the protocol models: immutable updates, a network as a bag of
messages, and replicated logs. Written once so every model loses, duplicates and
reorders messages the same way, and so their states stay small tuples (cheap to hash).

Conventions: a process id is an int 0..n-1; per-process variables are tuples indexed by
id; a bag is a sorted tuple of messages (sorted, so equal bags are equal tuples).
"""

from __future__ import annotations

from bisect import insort
from typing import Any, Iterable


def set_at(t: tuple, i: int, value: Any) -> tuple:
    """`t` with position `i` replaced (TLA+'s [t EXCEPT ![i] = value])."""
    return t[:i] + (value,) + t[i + 1 :]


def update(t: tuple, changes: dict[int, Any]) -> tuple:
    """`t` with several positions replaced."""
    out = list(t)
    for i, v in changes.items():
        out[i] = v
    return tuple(out)


# -- the network as a bag (multiset) of in-flight messages ----------------------------------
# Delivery picks any message (reordering); `bag_remove` after delivery, so a message is
# delivered once unless the model also offers duplication (deliver without removing).


def bag_add(bag: tuple, msg: Any) -> tuple:
    """The bag with one more copy of `msg`."""
    out = list(bag)
    insort(out, msg)
    return tuple(out)


def bag_add_all(bag: tuple, msgs: Iterable[Any]) -> tuple:
    return tuple(sorted(bag + tuple(msgs)))


def bag_remove(bag: tuple, msg: Any) -> tuple:
    """The bag with one copy of `msg` fewer (it must be present)."""
    i = bag.index(msg)
    return bag[:i] + bag[i + 1 :]


def bag_distinct(bag: tuple) -> tuple:
    """Each different message once, in order: the domain of a 'receive' action (no point
    in delivering two identical copies as two different choices)."""
    out, last = [], object()
    for m in bag:
        if m != last:
            out.append(m)
            last = m
    return tuple(out)


def bag_count(bag: tuple, msg: Any) -> int:
    return bag.count(msg)


# -- replicated logs -------------------------------------------------------------------------


def common_prefix(a: tuple, b: tuple) -> int:
    """Length of the longest common prefix of two logs."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def is_prefix(a: tuple, b: tuple) -> bool:
    return len(a) <= len(b) and b[: len(a)] == a


# -- logs with leader epochs (Kafka's epoch cache, Raft's term per entry) --------------------


def epoch_end_offset(log: tuple, epoch: int, epoch_of=lambda entry: entry[1]) -> tuple[int, int]:
    """What a leader answers to "where does epoch `epoch` end in your log?" (Kafka's
    OffsetsForLeaderEpoch / a fetch's diverging-epoch check): the largest epoch <= `epoch`
    that has entries, and the offset just after its last entry. (-1, 0) when no entry has
    an epoch <= `epoch`. Epochs along a log never decrease, so one pass from the end suffices."""
    for o in range(len(log) - 1, -1, -1):
        e = epoch_of(log[o])
        if e <= epoch:
            return e, o + 1
    return -1, 0


def epoch_start_offset(log: tuple, epoch: int, epoch_of=lambda entry: entry[1]) -> int:
    """The offset of the first entry of `epoch` or later (the log end if there is none):
    where a leader's own epoch begins in its log."""
    return next((o for o, entry in enumerate(log) if epoch_of(entry) >= epoch), len(log))


# -- one request slot per client (a client with one request outstanding at a time) --------------


def slot_holds(slot: tuple, kind: int) -> bool:
    """A per-client in-flight slot is () when idle, else a tuple whose first element says
    what it holds (e.g. 1 = a request on its way, 2 = its response on its way back)."""
    return bool(slot) and slot[0] == kind


def budget_left(used: int, limit: int) -> bool:
    """A fault budget (crashes, lost responses, timeouts): may one more happen?"""
    return used < limit


# -- a log with an unflushed tail ------------------------------------------------------------
# A process appends to its log in memory (its write buffer) and fsyncs later; `durable` counts
# the entries already on disk. A crash keeps only those; a truncation is written to disk at
# once, so it cuts both. Used wherever "acknowledged before fsync" is the question (ZooKeeper's
# NEWLEADER ACK, Kafka's unflushed tail).


def log_append(log: tuple, entries: tuple) -> tuple:
    """The log with `entries` appended in memory (not yet on disk: `durable` is unchanged)."""
    return log + tuple(entries)


def log_unflushed(log: tuple, durable: int) -> tuple:
    """The entries a crash would lose now."""
    return log[durable:]


def log_after_crash(log: tuple, durable: int) -> tuple:
    """What a restarted process finds on disk."""
    return log[:durable]


def log_truncate(log: tuple, durable: int, n: int) -> tuple[tuple, int]:
    """Truncate to the first `n` entries (on disk too): the new (log, durable)."""
    return log[:n], min(durable, n)


def durably_holds(log: tuple, durable: int, entry: Any) -> bool:
    """Is `entry` among the entries already on disk?"""
    return entry in log[:durable]
