"""Durability predicates of a replicated partition log (Kafka's replication contract).

Written over plain values (logs as tuples of records, high watermarks as ints) so any
log-replication model can reuse them; each returns True or `fail(reason)` naming the
replica, offset and record that break the promise.
"""

from __future__ import annotations

from typing import Any, Hashable, Iterable, Mapping, Sequence

from checker.spec import Failure, fail

from .common import contains_all, prefixes_agree


def no_acked_loss(leaders: Mapping[Hashable, Sequence[Any]], acked: Iterable[Any],
                  record_id=lambda rec: rec) -> bool | Failure:
    """Every acknowledged record is in the log of every current leader.

    `leaders`: leader id -> its log (the replicas that are leader now; checked in every
    state, this is "in the log of every later leader"). `record_id` maps a log entry to
    the identity the producer was acknowledged for (e.g. drop the leader epoch)."""
    required = list(acked)
    if not required:
        return True
    for who, log in leaders.items():
        ok = contains_all((record_id(e) for e in log), required, who=f"leader {who!r} (log {list(log)!r})")
        if not ok:
            return fail(f"acknowledged record lost: {ok.reason}")
    return True


def committed_logs_agree(logs: Mapping[Hashable, Sequence[Any]], hw: Mapping[Hashable, int]) -> bool | Failure:
    """Below each replica's high watermark the logs agree (no committed divergence)."""
    ok = prefixes_agree(logs, hw)
    return True if ok else fail(f"logs diverge below the high watermark: {ok.reason}")


def visible_prefix_kept(visible: Sequence[Any], leaders: Mapping[Hashable, Sequence[Any]]) -> bool | Failure:
    """What consumers could read (`visible`: the log prefix ever below a leader's high
    watermark) is still a prefix of every current leader's log: nothing read disappears
    or is replaced."""
    n = len(visible)
    for who, log in leaders.items():
        for o in range(n):
            if o >= len(log):
                return fail(f"leader {who!r} has no record at offset {o}, which consumers read as {visible[o]!r}")
            if log[o] != visible[o]:
                return fail(f"leader {who!r} has {log[o]!r} at offset {o}, which consumers read as {visible[o]!r}")
    return True


def isr_quorum(weak_acks: Iterable[Any], min_insync: int) -> bool | Failure:
    """No acks=all acknowledgement was given while fewer than `min_insync` replicas held
    the record. `weak_acks`: the records acknowledged that way (a ghost of the model)."""
    bad = list(weak_acks)
    if bad:
        return fail(f"record(s) {bad!r} acknowledged with acks=all while held by fewer than min_insync={min_insync} replicas")
    return True


def followers_agree_with_leader(logs: Mapping[Hashable, Sequence[Any]], hw: Mapping[Hashable, int],
                                followers: Mapping[Hashable, Hashable]) -> bool | Failure:
    """Each follower's log agrees with its leader's below both high watermarks.
    `followers`: follower -> leader, for the pairs the model says have finished
    reconciling (divergence that persists after truncation, as opposed to a replica that
    has not caught up yet)."""
    for f in sorted(followers, key=repr):
        ldr = followers[f]
        n = min(hw[f], hw[ldr])
        for o in range(n):
            if logs[f][o] != logs[ldr][o]:
                return fail(f"follower {f!r} has {logs[f][o]!r} at offset {o} where its leader {ldr!r} has "
                            f"{logs[ldr][o]!r} (both below their high watermarks {hw[f]}, {hw[ldr]})")
    return True
