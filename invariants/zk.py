"""ZooKeeper invariants as predicates over protocol concepts (leaders and their epochs, quorums,
committed entries, votes), so the Kafka controller/replication models can reuse the ideas."""

from __future__ import annotations

from typing import Hashable, Iterable, Optional

from checker import fail
from checker.spec import Failure

from .common import prefixes_agree


def leader_has_quorum(established: Iterable[tuple], accepted: tuple, n: int) -> bool | Failure:
    """Every leader ever established, as (epoch, leader, elected_by_majority), was elected by a
    strict majority and is backed by one: at least n//2+1 servers have accepted its epoch."""
    need = n // 2 + 1
    for epoch, leader, elected in sorted(established):
        if not elected:
            return fail(f"leader {leader} of epoch {epoch} was elected with fewer than {need} of {n} votes")
        backers = [i for i, a in enumerate(accepted) if a >= epoch]
        if len(backers) < need:
            return fail(f"leader {leader} established epoch {epoch} but only {backers} accepted it (need {need} of {n})")
    return True


def leader_has_latest_committed(leaders: Iterable[tuple], committed: Iterable[Hashable]) -> bool | Failure:
    """Every entry committed in an earlier epoch is in the log of each established leader.
    `leaders`: (leader, epoch, log); entries are (epoch, counter) ids."""
    if not committed:
        return True
    done = sorted(committed)
    for leader, epoch, log in leaders:
        have = set(log)
        missing = [z for z in done if z[0] < epoch and z not in have]
        if missing:
            return fail(f"leader {leader} of epoch {epoch} lacks committed {missing} (its log: {list(log)})")
    return True


def no_stale_leader_accepted(followers: Iterable[tuple]) -> bool | Failure:
    """No follower takes proposals from a leader whose epoch is older than the epoch it accepted.
    `followers`: (follower, leader's epoch, follower's accepted epoch) for synced followers."""
    for f, leader_epoch, accepted in followers:
        if leader_epoch < accepted:
            return fail(f"follower {f} accepted epoch {accepted} but synced with a leader of epoch {leader_epoch}")
    return True


def votes_only_improve(regression: Optional[tuple]) -> bool | Failure:
    """No server, within one round of one incarnation, replaced its vote by a worse one in the true
    order. `regression`: the first (server, round, old, new) seen, recorded by the model, or None."""
    if regression is None:
        return True
    server, election_round, before, after = regression
    return fail(f"server {server} in round {election_round} moved its vote from {before} down to {after} (order: peerEpoch, zxid, sid)")


def committed_prefixes_agree(logs: tuple, commit_points: tuple) -> bool | Failure:
    """Logs agree on every position both servers consider committed (entries up to each one's
    learnt commit point)."""
    if sum(1 for log, c in zip(logs, commit_points) if log and log[0] <= c) < 2:
        return True  # fewer than two committed prefixes: nothing to compare
    upto = {}
    for i, (log, c) in enumerate(zip(logs, commit_points)):
        k = 0
        while k < len(log) and log[k] <= c:
            k += 1
        upto[i] = k
    return prefixes_agree(dict(enumerate(logs)), upto)
