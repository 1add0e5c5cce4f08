"""Fast Leader Election (FastLeaderElection.lookForLeader / WorkerReceiver) as pure functions
over one server's election state, and the notification handlers (`FleHandlers`), so
`spec/zk_election.py` can stay about the ensemble.

A vote is `(peerEpoch, zxid, sid)` with `zxid = (epoch, counter)`: written in that order so
that Python's tuple order *is* ZooKeeper's true vote order (totalOrderPredicate). The
`vote_order` switch replaces the comparison used when a server decides to adopt a vote;
`true_gt` stays the correct order so the `votes_only_improve` ghost can judge each change.
"""

from __future__ import annotations

import functools

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


@functools.cache
def pair_links(n: int) -> tuple:
    """Slot k of `queued` / `in_transit` carries notifications from k // n to k % n."""
    return tuple(divmod(k, n) for k in range(n * n))


class FleHandlers:
    """How a LOOKING server's lookForLeader handles a notification, and how notifications are
    queued: helpers of `ZkElection` (needs `servers`, `q`, `vote_order`, `stale_notifications`,
    `_decided`), kept beside the vote rules they apply. The network (`queued`, `in_transit`) is passed
    along and each handler builds the successor once: deliveries are most of the search."""

    def _links_in_transit(self, s) -> list:
        """The (src, dst) pairs with a notification to deliver, in slot order."""
        links = pair_links(self.servers)
        if self.stale_notifications:
            return [links[k] for k, m in enumerate(s.queued) if m is not None or s.in_transit[k]]
        return [links[k] for k, m in enumerate(s.queued) if m is not None]

    def _news_for(self, s, i: int) -> bool:
        """Is a notification with a better vote than i's proposal (by the configured order, as
        the finalizeWait loop's totalOrderPredicate judges it) queued or in transit to i?"""
        n, mine = self.servers, s.vote[i]
        for j in range(n):
            k = j * n + i
            msgs = s.in_transit[k] + ((s.queued[k],) if s.queued[k] is not None else ())
            if any(vote_gt(self.vote_order, m[2], mine) for m in msgs):
                return True
        return False

    def _queue(self, queued: tuple, in_transit: tuple, k: int, msg: tuple) -> tuple[tuple, tuple]:
        """Queue `msg` on pair slot k; the new (queued, in_transit). The notification still waiting there was
        either already transmitted (kept in `in_transit`, delivered first: TCP is FIFO) while fewer than
        `stale_notifications` are in transit, or is replaced (QuorumCnxManager's send queue holds
        one message and drops the older one). With 0 this is the latest-message-per-pair network."""
        prev = queued[k]
        if prev is not None and len(in_transit[k]) < self.stale_notifications:
            in_transit = set_at(in_transit, k, in_transit[k] + (prev,))
        return set_at(queued, k, msg), in_transit

    def _broadcast(self, queued: tuple, in_transit: tuple, i: int, election_round: int, vote: tuple) -> tuple[tuple, tuple]:
        """sendNotifications: (LOOKING, round, vote) queued to every other server; the new (queued, in_transit)."""
        n = self.servers
        msg = (LOOKING, election_round, vote)
        if not self.stale_notifications:  # i's own slot i*n+i is never used: it stays None
            return queued[: i * n] + tuple(None if j == i else msg for j in range(n)) + queued[(i + 1) * n :], in_transit
        for j in range(n):
            if j != i:
                queued, in_transit = self._queue(queued, in_transit, i * n + j, msg)
        return queued, in_transit

    def _recv_looking(self, s, queued: tuple, in_transit: tuple, i: int, src: int, their_round: int,
                      their_vote: tuple):
        n = self.servers
        if their_round < s.election_round[i]:  # stale round: ignored, but the sender is told the current round
            answer = (LOOKING, s.election_round[i], s.vote[i])
            queued, in_transit = self._queue(queued, in_transit, i * n + src, answer)
            return s._replace(queued=queued, in_transit=in_transit)
        if their_round > s.election_round[i]:  # newer round: clear recvset, adopt the better of its vote and our own
            mine = self_vote(i, s.current_epoch[i], s.log[i])
            v = their_vote if vote_gt(self.vote_order, their_vote, mine) else mine
            received = set_at(fresh_votes(n, i, v), src, (their_vote, LOOKING))
            queued, in_transit = self._broadcast(queued, in_transit, i, their_round, v)
            return s._replace(election_round=set_at(s.election_round, i, their_round), vote=set_at(s.vote, i, v),
                              votes_received=set_at(s.votes_received, i, received), queued=queued, in_transit=in_transit)
        v = s.vote[i]
        votes, regress = s.vote, s.first_vote_regression
        if vote_gt(self.vote_order, their_vote, v):  # same round, better vote: adopt and re-broadcast
            if regress is None and not true_gt(their_vote, v):
                regress = (i, their_round, v, their_vote)
            v = their_vote
            votes = set_at(votes, i, v)
            queued, in_transit = self._broadcast(queued, in_transit, i, their_round, v)
        received = set_at(set_at(s.votes_received[i], src, (their_vote, LOOKING)), i, (v, LOOKING))
        return s._replace(votes_received=set_at(s.votes_received, i, received), vote=votes, first_vote_regression=regress,
                          queued=queued, in_transit=in_transit)

    def _recv_settled(self, s, queued: tuple, in_transit: tuple, i: int, src: int, their_state: str, their_round: int,
                      their_vote: tuple):
        """A FOLLOWING/LEADING notification: join that leader if a quorum vouches for it (deciding
        clears recvset and outofelection, so a decision need not record the entry first)."""
        entry = (their_vote, their_state)
        L = their_vote[2]
        all_received = s.votes_received
        if their_round == s.election_round[i]:
            received = set_at(all_received[i], src, entry)
            votes = support(received, entry)
            if votes >= self.q and check_leader(received, L, i, s.election_round[i], their_round):
                return self._decided(s, i, their_vote, votes, queued=queued, in_transit=in_transit)
            all_received = set_at(all_received, i, received)
        out_of_election = set_at(s.out_of_election[i], src, entry)
        votes = support(out_of_election, entry)
        if votes >= self.q and check_leader(out_of_election, L, i, s.election_round[i], their_round):
            return self._decided(s, i, their_vote, votes, queued=queued, in_transit=in_transit,
                                 election_round=set_at(s.election_round, i, their_round))
        return s._replace(votes_received=all_received, out_of_election=set_at(s.out_of_election, i, out_of_election),
                          queued=queued, in_transit=in_transit)
