"""Fast Leader Election (FastLeaderElection.lookForLeader / WorkerReceiver) as pure functions
over one server's election state, and the notification handlers (`FleHandlers`), so
`spec/zk_election.py` can stay about the ensemble.

A vote is `(peerEpoch, zxid, sid)` with `zxid = (epoch, counter)`: written in that order so
that Python's tuple order *is* ZooKeeper's true vote order (totalOrderPredicate). The
`vote_order` switch replaces the comparison used when a server decides to adopt a vote;
`true_gt` stays the correct order so the `votes_only_improve` ghost can judge each change.
"""

from __future__ import annotations

from typing import Optional

from spec.mechanics import set_at

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
    """How many entries of a vote map (tuple indexed by sender, None = no vote) equal `target`
    (Vote.equals; against a LOOKING target that is the vote alone, whatever the entry's state)."""
    if target[1] == LOOKING:
        vote = target[0]
        return sum(1 for v in votes if v is not None and v[0] == vote)
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


class FleHandlers:
    """How a LOOKING server's lookForLeader handles a notification, and how notifications are
    queued: helpers of `ZkElection` (needs `servers`, `q`, `vote_order`, `stale_notifications`,
    `_decided`), kept beside the vote rules they apply. The network (`net`, `old`) is passed
    along and each handler builds the successor once: deliveries are most of the search."""

    def _queue(self, net: tuple, old: tuple, k: int, msg: tuple) -> tuple[tuple, tuple]:
        """Queue `msg` on pair slot k; the new (net, old). The notification still waiting there was
        either already transmitted (kept in `old`, delivered first: TCP is FIFO) while fewer than
        `stale_notifications` are in transit, or is replaced (QuorumCnxManager's send queue holds
        one message and drops the older one). With 0 this is the latest-message-per-pair network."""
        prev = net[k]
        if prev is not None and len(old[k]) < self.stale_notifications:
            old = set_at(old, k, old[k] + (prev,))
        return set_at(net, k, msg), old

    def _broadcast(self, net: tuple, old: tuple, i: int, rnd: int, vote: tuple) -> tuple[tuple, tuple]:
        """sendNotifications: (LOOKING, rnd, vote) queued to every other server; the new (net, old)."""
        n = self.servers
        msg = (LOOKING, rnd, vote)
        if not self.stale_notifications:  # i's own slot i*n+i is never used: it stays None
            return net[: i * n] + tuple(None if j == i else msg for j in range(n)) + net[(i + 1) * n :], old
        for j in range(n):
            if j != i:
                net, old = self._queue(net, old, i * n + j, msg)
        return net, old

    def _recv_looking(self, s, net: tuple, old: tuple, i: int, src: int, nrnd: int, nvote: tuple):
        n = self.servers
        if nrnd < s.rnd[i]:  # stale round: ignored, but the sender is told the current round
            net, old = self._queue(net, old, i * n + src, (LOOKING, s.rnd[i], s.vote[i]))
            return s._replace(net=net, old=old)
        if nrnd > s.rnd[i]:  # newer round: clear recvset, adopt the better of its vote and our own
            mine = self_vote(i, s.current[i], s.hist[i])
            v = nvote if vote_gt(self.vote_order, nvote, mine) else mine
            recv = set_vote(fresh_votes(n, i, v), src, (nvote, LOOKING))
            net, old = self._broadcast(net, old, i, nrnd, v)
            return s._replace(rnd=set_at(s.rnd, i, nrnd), vote=set_at(s.vote, i, v), recv=set_at(s.recv, i, recv),
                              net=net, old=old)
        v = s.vote[i]
        votes, regress = s.vote, s.regress
        if vote_gt(self.vote_order, nvote, v):  # same round, better vote: adopt and re-broadcast
            if regress is None and not true_gt(nvote, v):
                regress = (i, nrnd, v, nvote)
            v = nvote
            votes = set_at(votes, i, v)
            net, old = self._broadcast(net, old, i, nrnd, v)
        recv = set_vote(set_vote(s.recv[i], src, (nvote, LOOKING)), i, (v, LOOKING))
        return s._replace(recv=set_at(s.recv, i, recv), vote=votes, regress=regress, net=net, old=old)

    def _recv_settled(self, s, net: tuple, old: tuple, i: int, src: int, st: str, nrnd: int, nvote: tuple):
        """A FOLLOWING/LEADING notification: join that leader if a quorum vouches for it (deciding
        clears recvset and outofelection, so a decision need not record the entry first)."""
        entry = (nvote, st)
        L = nvote[2]
        recvs = s.recv
        if nrnd == s.rnd[i]:
            recv = set_vote(recvs[i], src, entry)
            votes = support(recv, entry)
            if votes >= self.q and check_leader(recv, L, i, s.rnd[i], nrnd):
                return self._decided(s, i, nvote, votes, net=net, old=old)
            recvs = set_at(recvs, i, recv)
        ooe = set_vote(s.ooe[i], src, entry)
        votes = support(ooe, entry)
        if votes >= self.q and check_leader(ooe, L, i, s.rnd[i], nrnd):
            return self._decided(s, i, nvote, votes, net=net, old=old, rnd=set_at(s.rnd, i, nrnd))
        return s._replace(recv=recvs, ooe=set_at(s.ooe, i, ooe), net=net, old=old)
