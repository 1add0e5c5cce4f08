"""Predicates over protocol concepts shared by the ZooKeeper and Kafka models."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Hashable, Iterable

from checker import fail
from checker.spec import Failure


def one_leader_per_epoch(leaders: Iterable[tuple[Hashable, Hashable]]) -> bool | Failure:
    """At most one leader per epoch. `leaders`: (epoch, leader) pairs, e.g. every leader that is or was established."""
    seen: dict[Hashable, set] = defaultdict(set)
    for epoch, leader in leaders:
        seen[epoch].add(leader)
    for epoch in sorted(seen, key=repr):
        if len(seen[epoch]) > 1:
            return fail(f"epoch {epoch!r} has {len(seen[epoch])} leaders: {sorted(seen[epoch], key=repr)}")
    return True


def prefixes_agree(logs: dict[Hashable, tuple], upto: dict[Hashable, int]) -> bool | Failure:
    """For every pair of processes, their logs agree on the first min(upto[i], upto[j]) entries
    (e.g. `upto` = committed length, or the high watermark)."""
    ids = sorted(logs, key=repr)
    for x, i in enumerate(ids):
        for j in ids[x + 1 :]:
            n = min(upto[i], upto[j])
            for k in range(n):
                if logs[i][k] != logs[j][k]:
                    return fail(f"{i!r} and {j!r} disagree at position {k} (below {n}): {logs[i][k]!r} vs {logs[j][k]!r}")
    return True


def contains_all(log: Iterable[Any], required: Iterable[Any], who: str = "log") -> bool | Failure:
    """Every entry of `required` is in `log` (e.g. every acknowledged record is in the leader's log)."""
    have = set(log)
    missing = [r for r in required if r not in have]
    if missing:
        return fail(f"{who} lacks {missing!r}")
    return True


def no_duplicates(items: Iterable[Hashable], what: str = "record") -> bool | Failure:
    """No item appears twice along `items` (records in a log, partitions claimed by owners)."""
    seen = set()
    for pos, item in enumerate(items):
        if item in seen:
            return fail(f"{what} {item!r} appears twice (again at position {pos})")
        seen.add(item)
    return True


def in_order(items: Iterable[Any], key=lambda x: x, what: str = "records") -> bool | Failure:
    """`key` strictly increases along `items` (e.g. one producer's send order along a partition log)."""
    prev = None
    for pos, item in enumerate(items):
        k = key(item)
        if prev is not None and not (prev[1] < k):
            return fail(f"{what} out of order: {prev[0]!r} before {item!r} at position {pos}")
        prev = (item, k)
    return True
