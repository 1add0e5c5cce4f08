"""Fast Leader Election (FastLeaderElection.lookForLeader / WorkerReceiver) as pure functions
over one server's election state, so `spec/zk_election.py` can stay about the ensemble.

A vote is `(peerEpoch, zxid, sid)` with `zxid = (epoch, counter)`: written in that order so
that Python's tuple order *is* ZooKeeper's true vote order (totalOrderPredicate). The
`vote_order` switch replaces the comparison used when a server decides to adopt a vote;
`true_gt` stays the correct order so the `votes_only_improve` ghost can judge each change.
"""

from __future__ import annotations

from typing import Optional

Zxid = tuple[int, int]
Vote = tuple[int, Zxid, int]  # (peerEpoch, zxid, leader sid)

LOOKING, FOLLOWING, LEADING = "LOOKING", "FOLLOWING", "LEADING"


def true_gt(new: Vote, cur: Vote) -> bool:
    """totalOrderPredicate: higher peerEpoch, then higher zxid, then higher sid."""
    return new > cur


def vote_gt(order: str, new: Vote, cur: Vote) -> bool:
    """The comparison a server uses to adopt a vote, under the configured `vote_order`."""
    if order == "epoch-zxid-sid":
        return new > cur
    if order == "sid-only":  # the folk rule "the largest myid wins", zxid ignored
        return new[2] > cur[2]
    # ZOOKEEPER-1419: the sid tie-break clause forgot `newEpoch == curEpoch`, so it is not transitive
    (ne, nz, ns), (ce, cz, cs) = new, cur
    return ne > ce or (ne == ce and nz > cz) or (nz == cz and ns > cs)


def quorum_size(n: int, rule: str) -> int:
    """Votes needed: a strict majority (n//2+1), or the `quorum='half'` mistake (n//2, at least 1)."""
    return n // 2 + 1 if rule == "majority" else max(1, n // 2)


def votes_equal(a: tuple, b: tuple) -> bool:
    """Vote.equals: (vote, state) entries. If either side is LOOKING all fields must match;
    between two non-LOOKING votes only the leader id and peerEpoch count (ZOOKEEPER-1732/1805)."""
    (va, sa), (vb, sb) = a, b
    if sa == LOOKING or sb == LOOKING:
        return va == vb
    return va[2] == vb[2] and va[0] == vb[0]


def support(votes: tuple, target: tuple) -> int:
    """How many entries of a vote map (tuple indexed by sender, None = no vote) equal `target`."""
    return sum(1 for v in votes if v is not None and votes_equal(v, target))


def check_leader(votes: tuple, leader: int, me: int, my_round: int, n_round: int) -> bool:
    """FastLeaderElection.checkLeader: follow another server only if it said it is LEADING;
    declare oneself leader only if the notification belongs to one's own round."""
    if leader != me:
        v = votes[leader]
        return v is not None and v[1] == LEADING
    return my_round == n_round


def self_vote(me: int, current_epoch: int, history: tuple) -> Vote:
    """A server's initial proposal: (currentEpoch, lastLoggedZxid, myid)."""
    return (current_epoch, history[-1] if history else (0, 0), me)


def fresh_votes(n: int, me: int, vote: Vote) -> tuple:
    """A new recvset holding only the server's own vote (its self-notification, delivered at once)."""
    return tuple((vote, LOOKING) if j == me else None for j in range(n))


def set_vote(votes: tuple, j: int, entry: Optional[tuple]) -> tuple:
    return votes[:j] + (entry,) + votes[j + 1 :]
