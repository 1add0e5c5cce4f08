"""Zab as ZooKeeper runs it after Fast Leader Election: discovery (FOLLOWERINFO, LEADERINFO,
ACKEPOCH: epoch establishment), synchronisation (DIFF/TRUNC/SNAP + NEWLEADER) and broadcast
(PROPOSAL, ACK, COMMIT). A mixin of `ZkElection`, kept apart so each module has one job.

The leader<->learner TCP stream is modelled as atomic steps in which one side reads the other's
state: the stream is FIFO and lossless while the connection lives, and a crash or a step-down
ends the connection (the follower must then find a leader again through FLE).
"""

from __future__ import annotations

from checker import action
from spec.mechanics import set_at
from spec.zk_fle import FOLLOWING, LEADING

# Zab phases (`phase`). Leader: 1 waiting for FOLLOWERINFO, 2 LEADERINFO sent, 3 established.
# Follower: 1 connected (FOLLOWERINFO sent), 2 ACKEPOCH sent, 3 synced (NEWLEADER acked),
# 4 connection closed by either side (it returns to LOOKING through lose_leader).
ELECTING, DISCOVERY, EPOCH, ACTIVE, CLOSED = 0, 1, 2, 3, 4


class ZabPhases:
    """Zab actions over `ZkState`; needs `servers`, `q`, `max_epoch`, `max_writes`, `epoch_fencing`,
    `sync_truncates`, `ahead_check` from the spec class."""

    def _leader_of(self, s, f: int):
        """The leader f follows, if that leader is LEADING in the epoch f is working with."""
        L = s.vote[f][2]
        if s.role[f] != FOLLOWING or L == f or s.role[L] != LEADING:
            return None
        return L


    def _maybe_establish(self, s, L: int):
        """waitForEpochAck returns once a quorum (leader included) has acked: the epoch is established."""
        if s.phase[L] != EPOCH or len(s.acked[L]) < self.q:
            return s
        e = s.zepoch[L]
        return s._replace(
            phase=set_at(s.phase, L, ACTIVE), current=set_at(s.current, L, e), acked=set_at(s.acked, L, frozenset()),
            established=s.established | {(e, L, s.majority[L])},
        )


    def _followers(self, s, L: int, phases: tuple) -> list:
        return [f for f in range(self.servers) if f != L and s.role[f] == FOLLOWING and s.vote[f][2] == L
                and s.phase[f] in phases and (s.phase[f] == DISCOVERY or s.zepoch[f] == s.zepoch[L])]


    # -- Zab discovery ------------------------------------------------------------------------------

    @action(L=lambda spec, s: range(spec.servers))
    def propose_epoch(self, s, L: int):
        """Leader.getEpochToPropose: with FOLLOWERINFO from a quorum, propose max(acceptedEpoch)+1
        (LEADERINFO); the leader accepts its own epoch."""
        if s.role[L] != LEADING or s.phase[L] != DISCOVERY:
            return None
        fs = self._followers(s, L, (DISCOVERY,))
        if len(fs) + 1 < self.q:
            return None
        e = max(s.accepted[q] for q in fs + [L]) + 1
        if e > self.max_epoch:
            return None
        s = s._replace(accepted=set_at(s.accepted, L, e), zepoch=set_at(s.zepoch, L, e),
                       phase=set_at(s.phase, L, EPOCH), acked=set_at(s.acked, L, frozenset({L})))
        return self._maybe_establish(s, L)

    @action(f=lambda spec, s: range(spec.servers))
    def ack_epoch(self, s, f: int):
        """Learner.registerWithLeader on LEADERINFO(e): a newer epoch is accepted and acked (counted
        unless the follower is ahead of the leader); an equal one is acked with -1 (not counted);
        an older one is refused ("Leaders epoch, e is less than accepted epoch") unless
        epoch_fencing is off."""
        L = self._leader_of(s, f)
        if L is None or s.phase[f] != DISCOVERY or s.phase[L] not in (EPOCH, ACTIVE):
            return None
        e = s.zepoch[L]
        if e > s.accepted[f]:
            s = s._replace(accepted=set_at(s.accepted, f, e))
            mine = (s.current[f], s.hist[f][-1] if s.hist[f] else (0, 0))
            theirs = (s.current[L], s.hist[L][-1] if s.hist[L] else (0, 0))
            if self.ahead_check and mine > theirs:  # "Follower is ahead of the leader": handler closes
                return s._replace(phase=set_at(s.phase, f, CLOSED))
            s = s._replace(phase=set_at(s.phase, f, EPOCH), zepoch=set_at(s.zepoch, f, e))
            if s.phase[L] == EPOCH:
                s = s._replace(acked=set_at(s.acked, L, s.acked[L] | {f}))
            return self._sync(self._maybe_establish(s, L), f, L)
        if e < s.accepted[f] and self.epoch_fencing:
            return s._replace(phase=set_at(s.phase, f, CLOSED))
        return self._sync(s._replace(phase=set_at(s.phase, f, EPOCH), zepoch=set_at(s.zepoch, f, e)), f, L)

    # -- Zab synchronisation and broadcast -----------------------------------------------------------

    def _sync(self, s, f: int, L: int):
        """LearnerHandler sync right after the follower's ACKEPOCH once the epoch is established
        (DIFF / TRUNC+DIFF / SNAP, then NEWLEADER): the follower logs the leader's history, sets
        currentEpoch and acks. While the leader still waits for a quorum the follower stays in EPOCH."""
        if s.phase[L] != ACTIVE:
            return s
        lead, mine = s.hist[L], s.hist[f]
        new = lead
        committed_log = [z for z in lead if z <= s.czx[L]]
        if (not self.sync_truncates and mine and committed_log and committed_log[0] <= mine[-1] <= committed_log[-1]
                and mine[-1] not in lead):
            new = mine + tuple(z for z in lead if z > mine[-1])  # ZOOKEEPER-1154: DIFF without the TRUNC
        czx = max((z for z in new if z <= s.czx[L]), default=(0, 0))
        return s._replace(hist=set_at(s.hist, f, new), current=set_at(s.current, f, s.zepoch[f]),
                          czx=set_at(s.czx, f, czx), phase=set_at(s.phase, f, ACTIVE))

    @action(f=lambda spec, s: range(spec.servers))
    def sync(self, s, f: int):
        """A follower that acked while the leader was still collecting ACKEPOCHs is synced once
        the leader is established (waitForEpochAck returns in its LearnerHandler)."""
        L = self._leader_of(s, f)
        if L is None or s.phase[f] != EPOCH or s.phase[L] != ACTIVE or s.zepoch[L] != s.zepoch[f]:
            return None
        return self._sync(s, f, L)

    @action(L=lambda spec, s: range(spec.servers))
    def write(self, s, L: int):
        """A client write at a leader that has a quorum synced (past UPTODATE): PROPOSAL logged
        locally with zxid (epoch, counter+1)."""
        if s.role[L] != LEADING or s.phase[L] != ACTIVE or s.writes >= self.max_writes:
            return None
        if len(self._followers(s, L, (ACTIVE,))) + 1 < self.q:
            return None
        e = s.zepoch[L]
        z = (e, sum(1 for x in s.hist[L] if x[0] == e) + 1)
        return s._replace(hist=set_at(s.hist, L, s.hist[L] + (z,)), writes=s.writes + 1)

    @action(f=lambda spec, s: range(spec.servers))
    def replicate(self, s, f: int):
        """The follower reads the next packet of the leader's stream: the next PROPOSAL (logged and
        ACKed), and the COMMITs the leader has issued for what it holds."""
        L = self._leader_of(s, f)
        if L is None or s.phase[f] != ACTIVE or s.phase[L] != ACTIVE or s.zepoch[L] != s.zepoch[f]:
            return None
        h = s.hist[f]
        last = h[-1] if h else (0, 0)
        nxt = next((z for z in s.hist[L] if z > last), None)
        if nxt is not None:
            h = h + (nxt,)
        czx = max((z for z in h if z <= s.czx[L]), default=(0, 0))
        if nxt is None and czx <= s.czx[f]:
            return None
        return s._replace(hist=set_at(s.hist, f, h), czx=set_at(s.czx, f, max(czx, s.czx[f])))

    @action(L=lambda spec, s: range(spec.servers))
    def commit(self, s, L: int):
        """Leader.processAck: the next proposal is committed once a quorum (leader included) logged it."""
        if s.role[L] != LEADING or s.phase[L] != ACTIVE:
            return None
        z = next((x for x in s.hist[L] if x > s.czx[L]), None)
        if z is None:
            return None
        have = 1 + sum(1 for f in self._followers(s, L, (ACTIVE,)) if z in s.hist[f])
        if have < self.q:
            return None
        return s._replace(czx=set_at(s.czx, L, z), committed=s.committed | {z})
