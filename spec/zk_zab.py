"""Zab as ZooKeeper 3.5+ runs it after Fast Leader Election: discovery (FOLLOWERINFO, LEADERINFO,
ACKEPOCH: epoch establishment), synchronisation (TRUNC/DIFF + NEWLEADER, then the learner logs
the transactions, writes currentEpoch and ACKs, then UPTODATE) and broadcast (PROPOSAL, fsync +
ACK, COMMIT). A mixin of `ZkElection`, kept apart so each module has one job.

The leader<->learner TCP stream is FIFO and lossless while the connection lives; each step reads
the packet the peer sent last. Sync is split where ZooKeeper's Learner.syncWithLeader can be
interrupted by a crash (ZOOKEEPER-4643 / -4646 live between these steps). Logs have an unflushed
tail (`fsynced`: entries on disk): an ACK of a PROPOSAL follows its fsync, a crash loses the rest.

Fairness (liveness only): every step here except a client's `write` is weakly fair per server:
while the connection lives, TCP delivers each packet and the peer's thread handles it.
"""

from __future__ import annotations

from checker import action
from spec.mechanics import budget_left, common_prefix, durably_holds, log_append, log_truncate, set_at
from spec.zk_fle import FOLLOWING, LEADING

# Zab phases (`phase`). Leader: DISCOVERY waiting for FOLLOWERINFO, EPOCH LEADERINFO sent,
# SYNC epoch established (currentEpoch set, NEWLEADER sent, waiting for a quorum of its ACKs),
# ACTIVE serving. Follower: DISCOVERY FOLLOWERINFO sent, EPOCH ACKEPOCH sent, SYNC TRUNC/DIFF and
# NEWLEADER read (`diff_pending`: txns not yet logged), ACKED NEWLEADER acked, ACTIVE UPTODATE read,
# CLOSED connection closed by either side (it returns to LOOKING through lose_leader).
ELECTING, DISCOVERY, EPOCH, SYNC, ACKED, ACTIVE, CLOSED = 0, 1, 2, 3, 4, 5, 6
IN_EPOCH = (SYNC, ACKED, ACTIVE)  # a follower that has read NEWLEADER of its leader's epoch


NOBODY = range(0)  # an empty action domain (a range: the search need not sort it)


def last_zxid(log: tuple) -> tuple:
    return log[-1] if log else (0, 0)


def while_some_server_in(phase: int):
    """The domain of a step only a server in `phase` can take: every server while some server is
    in it, else none (a test in C that spares the search three calls that would return None)."""
    return lambda spec, s: range(spec.servers) if phase in s.zab_phase else NOBODY


class ZabPhases:
    """Zab actions over `ZkState`; needs `servers`, `q`, `max_epoch`, `max_writes`, `epoch_fencing`,
    `sync_truncates`, `ahead_check`, `epoch_before_txns`, `ack_before_fsync` from the spec class."""

    def _leader_of(self, s, f: int):
        """The leader f follows, if that leader is LEADING in the epoch f is working with."""
        L = s.vote[f][2]
        if s.role[f] != FOLLOWING or L == f or s.role[L] != LEADING:
            return None
        return L

    def _linked(self, s, f: int, phases: tuple):
        """f's leader if f is in one of `phases` of that leader's current epoch, else None."""
        L = self._leader_of(s, f)
        if L is None or s.zab_phase[f] not in phases or s.zab_epoch[L] != s.zab_epoch[f]:
            return None
        return L

    def _maybe_establish(self, s, L: int):
        """waitForEpochAck returns once a quorum (leader included) has acked: the epoch is
        established, the leader writes currentEpoch and starts syncing (its own NEWLEADER ACK counts)."""
        if s.zab_phase[L] != EPOCH or len(s.acks[L]) < self.q:
            return s
        e = s.zab_epoch[L]
        return s._replace(
            zab_phase=set_at(s.zab_phase, L, SYNC), current_epoch=set_at(s.current_epoch, L, e),
            acks=set_at(s.acks, L, frozenset({L})),
            established=s.established | {(e, L, s.elected_by_majority[L])},
        )

    def _maybe_serve(self, s, L: int):
        """waitForNewLeaderAck returns once a quorum acked NEWLEADER: the leader starts serving and
        its whole initial history is committed (its data tree applied every logged txn)."""
        if s.zab_phase[L] != SYNC or len(s.acks[L]) < self.q:
            return s
        h = s.log[L]
        return s._replace(zab_phase=set_at(s.zab_phase, L, ACTIVE), acks=set_at(s.acks, L, frozenset()),
                          last_committed=set_at(s.last_committed, L, last_zxid(h)), committed=s.committed | set(h))

    def _followers(self, s, L: int, phases: tuple) -> list:
        return [f for f in range(self.servers) if f != L and s.role[f] == FOLLOWING and s.vote[f][2] == L
                and s.zab_phase[f] in phases and (s.zab_phase[f] == DISCOVERY or s.zab_epoch[f] == s.zab_epoch[L])]

    # -- Zab discovery ------------------------------------------------------------------------------

    @action(L=while_some_server_in(DISCOVERY), fair="weak", each=True)
    def propose_epoch(self, s, L: int):
        """Leader.getEpochToPropose: with FOLLOWERINFO from a quorum, propose max(acceptedEpoch)+1
        (LEADERINFO); the leader accepts its own epoch."""
        if s.role[L] != LEADING or s.zab_phase[L] != DISCOVERY:
            return None
        fs = self._followers(s, L, (DISCOVERY,))
        if len(fs) + 1 < self.q:
            return None
        e = max(s.accepted_epoch[q] for q in fs + [L]) + 1
        if e > self.max_epoch:
            return None
        s = s._replace(accepted_epoch=set_at(s.accepted_epoch, L, e), zab_epoch=set_at(s.zab_epoch, L, e),
                       zab_phase=set_at(s.zab_phase, L, EPOCH), acks=set_at(s.acks, L, frozenset({L})))
        return self._maybe_establish(s, L)

    @action(f=while_some_server_in(DISCOVERY), fair="weak", each=True)
    def ack_epoch(self, s, f: int):
        """Learner.registerWithLeader on LEADERINFO(e): a newer epoch is accepted and acked (counted
        unless the follower is ahead of the leader); an equal one is acked with -1 (not counted);
        an older one is refused ("Leaders epoch, e is less than accepted epoch") unless
        epoch_fencing is off."""
        if s.zab_phase[f] != DISCOVERY:
            return None
        L = self._leader_of(s, f)
        if L is None or s.zab_phase[L] == DISCOVERY:
            return None
        e = s.zab_epoch[L]
        if e > s.accepted_epoch[f]:
            s = s._replace(accepted_epoch=set_at(s.accepted_epoch, f, e))
            mine = (s.current_epoch[f], last_zxid(s.log[f]))
            theirs = (s.current_epoch[L], last_zxid(s.log[L]))
            if self.ahead_check and mine > theirs:  # "Follower is ahead of the leader": handler closes
                return s._replace(zab_phase=set_at(s.zab_phase, f, CLOSED))
            s = s._replace(zab_phase=set_at(s.zab_phase, f, EPOCH), zab_epoch=set_at(s.zab_epoch, f, e))
            if s.zab_phase[L] == EPOCH:
                s = s._replace(acks=set_at(s.acks, L, s.acks[L] | {f}))
            return self._maybe_establish(s, L)
        if e < s.accepted_epoch[f] and self.epoch_fencing:
            return s._replace(zab_phase=set_at(s.zab_phase, f, CLOSED))
        return s._replace(zab_phase=set_at(s.zab_phase, f, EPOCH), zab_epoch=set_at(s.zab_epoch, f, e))

    # -- Zab synchronisation: Learner.syncWithLeader, one step per point a crash can fall between ----

    @action(f=while_some_server_in(EPOCH), fair="weak", each=True)
    def sync_receive(self, s, f: int):
        """The follower reads its LearnerHandler's sync (sent once the epoch is established):
        TRUNC to the common prefix (applied to the log file at once), DIFF (the leader's txns
        beyond it, held in memory: packetsNotCommitted) and NEWLEADER. `sync_truncates=False`:
        ZOOKEEPER-1154, a learner whose last zxid lies inside the leader's committed range gets
        DIFF from that zxid and keeps its uncommitted tail."""
        if s.zab_phase[f] != EPOCH:
            return None
        L = self._linked(s, f, (EPOCH,))
        if L is None or s.zab_phase[L] not in (SYNC, ACTIVE):
            return None
        lead, mine = s.log[L], s.log[f]
        new = lead
        committed_log = [z for z in lead if z <= s.last_committed[L]]
        if (not self.sync_truncates and mine and committed_log and committed_log[0] <= mine[-1] <= committed_log[-1]
                and mine[-1] not in lead):
            new = mine + tuple(z for z in lead if z > mine[-1])
        keep = common_prefix(mine, new)
        log, on_disk = log_truncate(mine, s.fsynced[f], keep)
        upto = max((z for z in new if z <= s.last_committed[L]), default=(0, 0))
        return s._replace(log=set_at(s.log, f, log), fsynced=set_at(s.fsynced, f, on_disk),
                          diff_pending=set_at(s.diff_pending, f, new[keep:]),
                          last_committed=set_at(s.last_committed, f, upto), zab_phase=set_at(s.zab_phase, f, SYNC))

    @action(f=while_some_server_in(SYNC), fair="weak", each=True)
    def log_synced(self, s, f: int):
        """On NEWLEADER the learner logs the DIFF txns: synchronously, fsync included, since the
        ZOOKEEPER-4646 fix; with `ack_before_fsync` they only enter the SyncRequestProcessor queue
        (flushed later by `flush`). Fixed order: before currentEpoch; `epoch_before_txns`
        (ZOOKEEPER-4643): after it."""
        if (s.zab_phase[f] != SYNC or not s.diff_pending[f]
                or (self.epoch_before_txns and s.current_epoch[f] != s.zab_epoch[f])):
            return None
        log = log_append(s.log[f], s.diff_pending[f])
        on_disk = s.fsynced[f] if self.ack_before_fsync else len(log)
        return s._replace(log=set_at(s.log, f, log), fsynced=set_at(s.fsynced, f, on_disk),
                          diff_pending=set_at(s.diff_pending, f, ()))

    @action(f=while_some_server_in(SYNC), fair="weak", each=True)
    def write_epoch(self, s, f: int):
        """QuorumPeer.setCurrentEpoch on NEWLEADER: the currentEpoch file is written. Fixed order:
        after the txns are logged; `epoch_before_txns` (ZOOKEEPER-4643): first."""
        if (s.zab_phase[f] != SYNC or s.current_epoch[f] == s.zab_epoch[f]
                or (s.diff_pending[f] and not self.epoch_before_txns)):
            return None
        return s._replace(current_epoch=set_at(s.current_epoch, f, s.zab_epoch[f]))

    @action(f=while_some_server_in(SYNC), fair="weak", each=True)
    def ack_newleader(self, s, f: int):
        """The learner ACKs NEWLEADER once the txns are logged and currentEpoch written; the leader
        counts it (waitForNewLeaderAck) and serves once a quorum has."""
        if s.zab_phase[f] != SYNC or s.diff_pending[f] or s.current_epoch[f] != s.zab_epoch[f]:
            return None
        L = self._linked(s, f, (SYNC,))
        if L is None:
            return None
        s = s._replace(zab_phase=set_at(s.zab_phase, f, ACKED))
        if s.zab_phase[L] == SYNC:
            s = self._maybe_serve(s._replace(acks=set_at(s.acks, L, s.acks[L] | {f})), L)
        return s

    @action(f=while_some_server_in(ACKED), fair="weak", each=True)
    def uptodate(self, s, f: int):
        """UPTODATE, sent once the leader serves: the follower starts serving and learns the
        leader's commit point."""
        if s.zab_phase[f] != ACKED:
            return None
        L = self._linked(s, f, (ACKED,))
        if L is None or s.zab_phase[L] != ACTIVE:
            return None
        upto = max((z for z in s.log[f] if z <= s.last_committed[L]), default=(0, 0))
        return s._replace(zab_phase=set_at(s.zab_phase, f, ACTIVE),
                          last_committed=set_at(s.last_committed, f, max(upto, s.last_committed[f])))

    # -- Zab broadcast ---------------------------------------------------------------------------------

    @action(L=lambda spec, s: range(spec.servers) if ACTIVE in s.zab_phase and budget_left(s.writes, spec.max_writes)
            else NOBODY)  # a client's choice: never forced (no fairness)
    def write(self, s, L: int):
        """A client write at a serving leader that still has a quorum: PROPOSAL zxid (epoch,
        counter+1) sent and handed to its own SyncRequestProcessor (logged, not yet fsynced)."""
        if s.role[L] != LEADING or s.zab_phase[L] != ACTIVE or not budget_left(s.writes, self.max_writes):
            return None
        if len(self._followers(s, L, (ACKED, ACTIVE))) + 1 < self.q:
            return None
        e = s.zab_epoch[L]
        z = (e, sum(1 for x in s.log[L] if x[0] == e) + 1)
        return s._replace(log=set_at(s.log, L, log_append(s.log[L], (z,))), writes=s.writes + 1)

    @action(f=while_some_server_in(ACTIVE), fair="weak", each=True)
    def replicate(self, s, f: int):
        """The follower reads the next packet of the leader's stream: the next PROPOSAL (logged,
        not yet fsynced), and the COMMITs the leader has issued for what it holds."""
        if s.zab_phase[f] != ACTIVE:
            return None
        L = self._linked(s, f, (ACTIVE,))
        if L is None or s.zab_phase[L] != ACTIVE:
            return None
        h = s.log[f]
        last = last_zxid(h)
        nxt = next((z for z in s.log[L] if z > last), None)
        if nxt is not None:
            h = log_append(h, (nxt,))
        upto = max((z for z in h if z <= s.last_committed[L]), default=(0, 0))
        if nxt is None and upto <= s.last_committed[f]:
            return None
        return s._replace(log=set_at(s.log, f, h),
                          last_committed=set_at(s.last_committed, f, max(upto, s.last_committed[f])))

    @action(i=lambda spec, s: range(spec.servers), fair="weak", each=True)
    def flush(self, s, i: int):
        """SyncRequestProcessor fsyncs the txn log; the ACKs of what it held follow (for a leader,
        its own ACK)."""
        if s.fsynced[i] >= len(s.log[i]):
            return None
        return s._replace(fsynced=set_at(s.fsynced, i, len(s.log[i])))

    @action(L=while_some_server_in(ACTIVE), fair="weak", each=True)
    def commit(self, s, L: int):
        """Leader.processAck: the next proposal is committed once a quorum has it on disk (the
        leader's own ACK also follows its fsync)."""
        if s.role[L] != LEADING or s.zab_phase[L] != ACTIVE:
            return None
        z = next((x for x in s.log[L] if x > s.last_committed[L]), None)
        if z is None:
            return None
        have = durably_holds(s.log[L], s.fsynced[L], z) + sum(
            1 for f in self._followers(s, L, (ACKED, ACTIVE)) if durably_holds(s.log[f], s.fsynced[f], z))
        if have < self.q:
            return None
        return s._replace(last_committed=set_at(s.last_committed, L, z), committed=s.committed | {z})
