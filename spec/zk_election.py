"""ZooKeeper leader election: Fast Leader Election, then Zab discovery (epoch establishment),
synchronisation and broadcast, with crashes and PING timeouts.

Every action is something a ZooKeeper server does; `spec/zk_election.md` maps each one to the
ZooKeeper code path and lists the abstractions. In short: election notifications travel on a
latest-message-per-pair network (QuorumCnxManager's send queue holds one message,
SEND_CAPACITY = 1, and re-sends the last one on reconnect), optionally with up to
`stale_notifications` older, already transmitted ones per pair delivered first (TCP FIFO). On the
leader<->learner TCP stream (Zab, `spec/zk_zab.py`) each step handles the packet the peer sent
last, and sync is split wherever a crash leaves a different disk; logs have an unflushed tail.

Ghost variables (read only by invariants): `elected_by_majority`, `established`, `committed`,
`first_vote_regression`.
"""

from __future__ import annotations

import functools
from typing import Annotated, Literal, NamedTuple, Optional

import attrs

from checker import Range, Spec, SpecError, action, invariant, record, terminal
from invariants import common
from invariants import zk as zkinv
from spec.mechanics import budget_left, log_after_crash, set_at, update
from spec.zk_fle import FOLLOWING, LEADING, LOOKING, FleHandlers, fresh_votes, pair_links, quorum_size, self_vote, support
from spec.zk_liveness import ElectionLiveness
from spec.zk_zab import ACTIVE, CLOSED, DISCOVERY, ELECTING, IN_EPOCH, NOBODY, SYNC, ZabPhases


_OFF = "a bound: 0 switches the mechanism off"

# the same (established, accepted) recurs in most states: judge each pair once
_backed_by_quorum = functools.cache(zkinv.leader_has_quorum)


@record
class ZkState(NamedTuple):
    """Per-server fields are tuples indexed by sid; (volatile) ones are lost in a crash."""

    role: tuple  # LOOKING | FOLLOWING | LEADING (volatile)
    election_round: tuple  # logicalclock (volatile: 0 after a restart)
    vote: tuple  # current proposal / endVote: (peerEpoch, zxid, leader sid)
    votes_received: tuple  # recvset per server: per sender (vote, sender state) or None, this round only
    out_of_election: tuple  # outofelection per server: per sender (vote, state) from FOLLOWING/LEADING senders
    queued: tuple  # pair slot src*n+dst: the notification (state, round, vote) in src's send queue for dst, or None
    in_transit: tuple  # pair slot src*n+dst: older notifications already transmitted, oldest first (stale_notifications)
    zab_phase: tuple  # ELECTING | DISCOVERY | EPOCH | SYNC | ACKED | ACTIVE | CLOSED, see spec/zk_zab.py (volatile)
    zab_epoch: tuple  # epoch of the leader being followed / proposed by this leader (volatile)
    acks: tuple  # leader only: servers whose ACKEPOCH, then NEWLEADER ACK, counted (volatile)
    accepted_epoch: tuple  # acceptedEpoch (persisted)
    current_epoch: tuple  # currentEpoch (persisted)
    log: tuple  # logged transactions, zxids in log order (in memory; the first `fsynced` are on disk)
    fsynced: tuple  # how many entries of the log are on disk: a crash keeps only those
    diff_pending: tuple  # follower in sync: DIFF txns read but not yet logged (packetsNotCommitted, volatile)
    last_committed: tuple  # the zxid up to which this server has learnt the log is committed
    crashes: int  # faults so far: each budget counts up to its max_ constant
    timeouts: int
    writes: int
    elected_by_majority: tuple  # ghost: did this server's decision rest on a true majority?
    established: frozenset  # ghost: (epoch, leader, elected_by_majority) of every established leader
    committed: frozenset  # ghost: every zxid a leader has committed
    first_vote_regression: Optional[tuple]  # ghost: first (server, round, vote, worse vote) that moved a vote down


@attrs.frozen
class ZkElection(FleHandlers, ZabPhases, ElectionLiveness, Spec):
    """ZooKeeper ensemble of `servers` voting participants (sid = index)."""

    servers: Annotated[int, Range(1, 7, why="3 explores in a minute, 5 only with small bounds")] = 3
    # logicalclock cap: each step-down needs a next round (a restart begins at 1 again)
    max_round: Annotated[int, Range(1, why="boot itself is round 1")] = 1
    max_epoch: Annotated[int, Range(0, why=_OFF)] = 2  # cap on proposed epochs
    max_crashes: Annotated[int, Range(0, why=_OFF)] = 1
    max_timeouts: Annotated[int, Range(0, why=_OFF)] = 0  # PING-timeout faults: timeout (one follower), isolate_leader
    max_writes: Annotated[int, Range(0, why=_OFF)] = 1
    # older notifications still in transit per pair (per-pair FIFO); 0: the latest only
    stale_notifications: Annotated[int, Range(0, why=_OFF)] = 0
    lossy_network: bool = False
    duplicating_network: bool = False
    # switches for real mistakes; the defaults are ZooKeeper's behaviour
    quorum: Literal["majority", "half"] = "majority"
    vote_order: Literal["epoch-zxid-sid", "sid-only", "zk-1419"] = "epoch-zxid-sid"
    epoch_fencing: bool = True
    sync_truncates: bool = True
    ahead_check: bool = True  # Leader.waitForEpochAck refuses followers more recent than the leader
    epoch_before_txns: bool = False  # ZOOKEEPER-4643: currentEpoch written before the DIFF txns are logged
    ack_before_fsync: bool = False  # ZOOKEEPER-4646/-3911: NEWLEADER ACKed with the DIFF txns not yet fsynced
    # scenario shaping (not bugs)
    fault_timing: Literal["any", "settled", "quiet"] = "any"  # when faults may strike, see zk_election.md
    recovered_logs: tuple[int, ...] = ()  # per server, epoch-1 txns on disk after a whole-ensemble crash
    recovered_accepted: tuple[int, ...] = ()  # per server, acceptedEpoch on disk (>= currentEpoch) at boot
    recovered_current: tuple[int, ...] = ()  # per server, currentEpoch on disk at boot (<= acceptedEpoch)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()  # the declared ranges; below, what relates several constants
        problems = []
        if self.max_writes > 0 and self.max_epoch == 0:
            problems.append(f"max_writes={self.max_writes} with max_epoch=0 (writes need an established epoch; set max_epoch >= 1)")
        if self.recovered_logs and len(self.recovered_logs) != self.servers:
            problems.append(f"recovered_logs={self.recovered_logs} (give one log length per server, {self.servers} values)")
        base = 1 if self.recovered_logs else 0
        if self.recovered_accepted and (len(self.recovered_accepted) != self.servers
                                        or min(self.recovered_accepted) < base):
            problems.append(f"recovered_accepted={self.recovered_accepted} (give one acceptedEpoch per server, "
                            f"{self.servers} values, each >= the currentEpoch on disk, {base})")
        if self.recovered_current and (len(self.recovered_current) != self.servers or any(
                c < base or c > a for c, a in zip(self.recovered_current, self.recovered_accepted or (base,) * self.servers))):
            problems.append(f"recovered_current={self.recovered_current} (give one currentEpoch per server, "
                            f"{self.servers} values, each >= {base} and <= that server's acceptedEpoch: set "
                            "recovered_accepted too)")
        if self.recovered_logs and self.max_epoch < 2:
            problems.append("recovered_logs with max_epoch < 2 (the logs are from epoch 1, so the next leader needs epoch 2)")
        if problems:
            raise SpecError(
                "ZkElection cannot be checked with " + "; ".join(problems) + ". Fix these constants: "
                "the defaults (servers=3, max_round=1, max_epoch=2, max_crashes=1, max_writes=1, others 0) explore fully in under a minute."
            )

    # -- helpers --------------------------------------------------------------------------------

    @property
    def q(self) -> int:
        return quorum_size(self.servers, self.quorum)

    def _look(self, s: ZkState, i: int, election_round: int) -> ZkState:
        """Server i (re)enters lookForLeader in round `election_round`: votes for itself and tells everyone.
        Leaving the old role shuts its request pipeline down, and SyncRequestProcessor.shutdown
        flushes the log; DIFF txns not yet logged (a local of syncWithLeader) are gone."""
        v = self_vote(i, s.current_epoch[i], s.log[i])
        queued, in_transit = self._broadcast(s.queued, s.in_transit, i, election_round, v)
        return s._replace(
            queued=queued, in_transit=in_transit,
            fsynced=set_at(s.fsynced, i, len(s.log[i])), diff_pending=set_at(s.diff_pending, i, ()),
            role=set_at(s.role, i, LOOKING), election_round=set_at(s.election_round, i, election_round),
            vote=set_at(s.vote, i, v), votes_received=set_at(s.votes_received, i, fresh_votes(self.servers, i, v)),
            out_of_election=set_at(s.out_of_election, i, (None,) * self.servers),
            zab_phase=set_at(s.zab_phase, i, ELECTING),
            zab_epoch=set_at(s.zab_epoch, i, 0), acks=set_at(s.acks, i, frozenset()),
            elected_by_majority=set_at(s.elected_by_majority, i, False),
        )

    def _step_down(self, s: ZkState, i: int, election_round: int) -> ZkState:
        """i goes LOOKING; if it was LEADING, shutting the leader down closes every learner socket.
        Its followers see the closed socket on their next read (`lose_leader`): until then they
        still answer FOLLOWING i to LOOKING peers."""
        was_leading = s.role[i] == LEADING
        s = self._look(s, i, election_round)
        if was_leading:
            closed = [f for f in range(self.servers) if f != i and s.role[f] == FOLLOWING and s.vote[f][2] == i]
            if closed:
                s = s._replace(zab_phase=update(s.zab_phase, {f: CLOSED for f in closed}))
        return s

    def _decided(self, s: ZkState, i: int, vote: tuple, votes: int, **changes) -> ZkState:
        """setPeerState: LEADING if the agreed vote names i, else FOLLOWING; Zab discovery starts.
        `changes`: other fields the same step updates (the delivery that completed the quorum)."""
        role = LEADING if vote[2] == i else FOLLOWING
        none = (None,) * self.servers  # recvset and outofelection are locals of lookForLeader: gone
        return s._replace(
            role=set_at(s.role, i, role), vote=set_at(s.vote, i, vote), zab_phase=set_at(s.zab_phase, i, DISCOVERY),
            votes_received=set_at(s.votes_received, i, none), out_of_election=set_at(s.out_of_election, i, none),
            elected_by_majority=set_at(s.elected_by_majority, i, votes >= self.servers // 2 + 1), **changes,
        )

    def init(self):
        n = self.servers
        s = ZkState(
            role=(LOOKING,) * n, election_round=(0,) * n, vote=tuple(self_vote(i, 0, ()) for i in range(n)),
            votes_received=((None,) * n,) * n, out_of_election=((None,) * n,) * n,
            queued=(None,) * (n * n), in_transit=((),) * (n * n), zab_phase=(ELECTING,) * n,
            zab_epoch=(0,) * n, acks=(frozenset(),) * n, accepted_epoch=(0,) * n, current_epoch=(0,) * n, log=((),) * n,
            fsynced=(0,) * n, diff_pending=((),) * n,
            last_committed=((0, 0),) * n, crashes=0, timeouts=0, writes=0, elected_by_majority=(False,) * n,
            established=frozenset(), committed=frozenset(), first_vote_regression=None,
        )
        if self.recovered_logs:  # the ensemble reboots from disk after a whole-ensemble crash in epoch 1
            logs = tuple(tuple((1, k) for k in range(1, c + 1)) for c in self.recovered_logs)
            held = [sum(1 for c in self.recovered_logs if c >= k) for k in range(1, max(self.recovered_logs) + 1)]
            done = frozenset((1, k) for k, h in enumerate(held, 1) if h >= n // 2 + 1)
            commit_points = tuple(max((z for z in log if z in done), default=(0, 0)) for log in logs)
            s = s._replace(log=logs, fsynced=tuple(map(len, logs)), last_committed=commit_points,
                           accepted_epoch=(1,) * n, current_epoch=(1,) * n, committed=done)
        if self.recovered_accepted:  # epochs proposed or acked on disk that never became current
            s = s._replace(accepted_epoch=tuple(self.recovered_accepted))
        if self.recovered_current:  # a leader writes currentEpoch once established, its followers at NEWLEADER
            s = s._replace(current_epoch=tuple(self.recovered_current))
        for i in range(n):  # every server boots and starts its first election (round 1)
            s = self._look(s, i, 1)
        yield s

    # -- Fast Leader Election ----------------------------------------------------------------------

    @action(link=lambda spec, s: spec._links_in_transit(s), fair="weak", each=True)  # TCP delivers every pair's queue
    def deliver(self, s: ZkState, link: tuple):
        """WorkerReceiver + lookForLeader handle the next notification on `link` = (src, dst):
        the oldest one still in transit, else the one in the sender's queue."""
        n = self.servers
        src, dst = link
        k = src * n + dst
        queued, in_transit = s.queued, s.in_transit
        if in_transit[k]:
            msg = in_transit[k][0]
            in_transit = set_at(in_transit, k, in_transit[k][1:])
        else:
            msg = queued[k]
            if msg is None:
                return None
            if not self.duplicating_network:
                queued = set_at(queued, k, None)
        their_state, their_round, their_vote = msg
        i = dst
        if s.role[i] != LOOKING:  # a settled server answers a LOOKING peer with its leader
            if their_state == LOOKING:
                answer = (s.role[i], s.election_round[i], s.vote[i])
                queued, in_transit = self._queue(queued, in_transit, i * n + src, answer)
            return s._replace(queued=queued, in_transit=in_transit)
        if their_state == LOOKING:
            return self._recv_looking(s, queued, in_transit, i, src, their_round, their_vote)
        return self._recv_settled(s, queued, in_transit, i, src, their_state, their_round, their_vote)

    @action(i=lambda spec, s: range(spec.servers) if LOOKING in s.role else NOBODY, fair="weak", each=True)  # finalizeWait expires
    def decide(self, s: ZkState, i: int):
        """lookForLeader termination: a quorum of this round's votes equals our proposal and no
        better notification arrives within finalizeWait. Nothing better is on its way to i, so
        the wait runs out: weakly fair."""
        if s.role[i] != LOOKING or self._news_for(s, i):
            return None
        return self._decide(s, i)

    @action(i=lambda spec, s: range(spec.servers) if LOOKING in s.role else NOBODY)  # a timing race: never forced
    def decide_before_news(self, s: ZkState, i: int):
        """The same decision while a better notification is still on its way to i: it arrives
        after finalizeWait (200 ms). Never forced: ZooKeeper decides only when nothing better
        arrives in time, which is what keeps an election whose votes keep improving — or keep
        cycling, ZOOKEEPER-1419 — from settling."""
        if s.role[i] != LOOKING or not self._news_for(s, i):
            return None
        return self._decide(s, i)

    def _decide(self, s: ZkState, i: int):
        votes = support(s.votes_received[i], (s.vote[i], LOOKING))
        if votes < self.q:
            return None
        return self._decided(s, i, s.vote[i], votes)


    @action(i=lambda spec, s: NOBODY if any(s.queued) or any(s.in_transit) else range(spec.servers), fair="strong", each=True)
    def renotify(self, s: ZkState, i: int):
        """lookForLeader's receive queue timed out without a decision: sendNotifications() again,
        with the current round and vote. The timeout (200 ms, doubling to 60 s) is long next to
        a delivery, so it fires once no notification is in transit anywhere. Strongly fair per
        server: those quiet moments come and go, and another server's re-sends must not starve
        this server's own timer for ever (independent timers do not stay in step)."""
        if s.role[i] != LOOKING or any(s.queued) or any(s.in_transit):
            return None
        queued, in_transit = self._broadcast(s.queued, s.in_transit, i, s.election_round[i], s.vote[i])
        return s._replace(queued=queued, in_transit=in_transit)

    @action(src=lambda spec, s: range(spec.servers) if spec.lossy_network else NOBODY,
            dst=lambda spec, s: range(spec.servers))  # a fault: never forced (no fairness)
    def lose(self, s: ZkState, src: int, dst: int):
        """The connection drops with the notification still queued (lossy_network only)."""
        k = src * self.servers + dst
        return s._replace(queued=set_at(s.queued, k, None)) if s.queued[k] is not None else None

    @action(link=lambda spec, s: [pair_links(spec.servers)[k] for k, q in enumerate(s.in_transit) if q]
            if spec.stale_notifications else NOBODY)  # the network's choice, never forced
    def supersede(self, s: ZkState, link: tuple):
        """The oldest notification in transit on `link` never left the sender: its send queue
        (capacity 1) replaced it by the next one. Only with stale_notifications > 0."""
        k = link[0] * self.servers + link[1]
        return s._replace(in_transit=set_at(s.in_transit, k, s.in_transit[k][1:])) if s.in_transit[k] else None

    # -- faults -----------------------------------------------------------------------------------

    def _connected(self, s: ZkState, i: int) -> bool:
        """Is i's Zab connection healthy: a follower whose leader still leads it (same epoch once
        agreed), or a leader that still has a quorum of servers following it?"""
        if s.role[i] == FOLLOWING:
            L = self._leader_of(s, i)
            return (L is not None and s.zab_phase[i] != CLOSED
                    and (s.zab_phase[i] == DISCOVERY or s.zab_epoch[L] == s.zab_epoch[i]))
        fs = [f for f in range(self.servers)
              if f != i and s.role[f] == FOLLOWING and s.vote[f][2] == i and s.zab_phase[f] != CLOSED]
        # collecting FOLLOWERINFO (DISCOVERY), a leader short of a quorum gives up when initLimit
        # expires, whether or not other servers are still electing: the wait is bounded in time
        return len(fs) + 1 >= self.q

    @action(i=lambda spec, s: range(spec.servers), fair="weak", each=True)  # a dead link is noticed (socket, syncLimit)
    def lose_leader(self, s: ZkState, i: int):
        """The Zab connection is gone (leader crashed or left, follower refused or closed, leader
        without a quorum of followers / initLimit expired): back to LOOKING in the next round."""
        if s.role[i] == LOOKING or s.election_round[i] >= self.max_round or self._connected(s, i):
            return None
        return self._step_down(s, i, s.election_round[i] + 1)

    def _fault_allowed(self, s: ZkState) -> bool:
        if self.fault_timing == "any":
            return True
        if LOOKING in s.role:
            return False
        return self.fault_timing == "settled" or not (any(s.queued) or any(s.in_transit))

    @action(i=lambda spec, s: range(spec.servers) if budget_left(s.timeouts, spec.max_timeouts) else NOBODY)  # fault: not forced
    def timeout(self, s: ZkState, i: int):
        """A fault (bounded by max_timeouts): a follower stops hearing its live leader's PINGs
        (partition, long GC pause) and goes LOOKING in its next round; the leader carries on."""
        if (s.role[i] != FOLLOWING or s.election_round[i] >= self.max_round or not budget_left(s.timeouts, self.max_timeouts)
                or not self._connected(s, i) or not self._fault_allowed(s)):
            return None
        return self._look(s._replace(timeouts=s.timeouts + 1), i, s.election_round[i] + 1)

    @action(L=lambda spec, s: range(spec.servers) if budget_left(s.timeouts, spec.max_timeouts) else NOBODY)  # fault: not forced
    def isolate_leader(self, s: ZkState, L: int):
        """A fault (bounded by max_timeouts): the leader is cut off from all its followers. They
        miss its PINGs and go LOOKING; it keeps LEADING, stale, until it notices (lose_leader)."""
        if (s.role[L] != LEADING or not budget_left(s.timeouts, self.max_timeouts) or not self._fault_allowed(s)):
            return None
        fs = [f for f in range(self.servers) if f != L and s.role[f] == FOLLOWING and s.vote[f][2] == L
              and s.election_round[f] < self.max_round]
        if not fs:
            return None
        s = s._replace(timeouts=s.timeouts + 1)
        for f in fs:
            s = self._look(s, f, s.election_round[f] + 1)
        return s

    @action(i=lambda spec, s: range(spec.servers) if budget_left(s.crashes, spec.max_crashes) and spec._fault_allowed(s)
            else NOBODY)  # a fault: never forced (no fairness), bounded by max_crashes
    def crash(self, s: ZkState, i: int):
        """Crash and restart: volatile state is lost (logicalclock back to 0, DIFF txns not yet
        logged); the log as far as it was fsynced, the commit point and both epochs survive; the restarted
        server boots into round 1."""
        if not budget_left(s.crashes, self.max_crashes) or not self._fault_allowed(s):
            return None
        in_transit = s.in_transit
        if any(in_transit):  # its connections reset: what was in transit to it is lost
            n = self.servers
            in_transit = update(in_transit, {j * n + i: () for j in range(n)})
        s = s._replace(log=set_at(s.log, i, log_after_crash(s.log[i], s.fsynced[i])), in_transit=in_transit,
                       crashes=s.crashes + 1)
        return self._step_down(s, i, 1)

    # -- end states and invariants -----------------------------------------------------------------

    def _serving(self, s: ZkState, i: int) -> bool:
        """Is i a serving leader, or a follower past UPTODATE of one?"""
        if s.role[i] == LEADING:
            return s.zab_phase[i] == ACTIVE
        return self._linked(s, i, (ACTIVE,)) is not None

    @terminal
    def settled_or_bounded(self, s: ZkState) -> bool:
        """No successor is expected once every server serves under one leader and the fault and
        write budgets are spent, or where a bound stops the protocol: a server that would need
        another election round (max_round) or a leader that would need an epoch above max_epoch.
        A LOOKING server never counts as bounded: an election stuck with nobody able to move is a
        deadlock."""
        if (s.crashes, s.timeouts, s.writes) == (self.max_crashes, self.max_timeouts, self.max_writes) and all(
                self._serving(s, i) for i in range(self.servers)):
            return True
        capped = max(s.accepted_epoch) >= self.max_epoch
        return all(self._serving(s, i) or (s.role[i] != LOOKING and s.election_round[i] >= self.max_round) or capped
                   for i in range(self.servers))

    def _established_leaders(self, s: ZkState) -> list:
        return [L for L in range(self.servers) if s.role[L] == LEADING and s.zab_phase[L] in (SYNC, ACTIVE)]

    def _fence_decides(self, s: ZkState) -> bool:
        """A follower about to read LEADERINFO of an epoch below its acceptedEpoch."""
        if DISCOVERY not in s.zab_phase:
            return False
        for f in range(self.servers):
            L = self._leader_of(s, f)
            if (L is not None and s.zab_phase[f] == DISCOVERY and s.zab_phase[L] != DISCOVERY
                    and s.zab_epoch[L] < s.accepted_epoch[f]):
                return True
        return False

    @invariant(exercised=lambda spec, s: len(s.established) >= 2)
    def one_leader_per_epoch(self, s: ZkState):
        if len(s.established) < 2:
            return True
        return common.one_leader_per_epoch((e, L) for e, L, _ in s.established)

    @invariant(exercised=lambda spec, s: bool(s.established))
    def leader_has_quorum(self, s: ZkState):
        if not s.established:
            return True
        return _backed_by_quorum(s.established, s.accepted_epoch, self.servers)

    @invariant(exercised=lambda spec, s: bool(s.committed) and any(
        z[0] < s.zab_epoch[L] for L in spec._established_leaders(s) for z in s.committed))
    def leader_has_latest_committed(self, s: ZkState):
        """Committed-log durability: a txn committed by a quorum is in the history of every leader
        established in a later epoch (checked from establishment on, before it syncs anyone)."""
        if not s.committed:
            return True
        leaders = [(L, s.zab_epoch[L], s.log[L]) for L in self._established_leaders(s)]
        return zkinv.leader_has_latest_committed(leaders, s.committed)

    @invariant(exercised=lambda spec, s: spec._fence_decides(s))
    def no_stale_leader_accepted(self, s: ZkState):
        synced = [(f, s.zab_epoch[f], s.accepted_epoch[f]) for f in range(self.servers)
                  if s.role[f] == FOLLOWING and s.zab_phase[f] in IN_EPOCH]
        return zkinv.no_stale_leader_accepted(synced)

    @invariant(exercised=lambda spec, s: any(
        s.role[i] == LOOKING and s.vote[i] != self_vote(i, s.current_epoch[i], s.log[i]) for i in range(spec.servers)))
    def votes_only_improve(self, s: ZkState):
        return zkinv.votes_only_improve(s.first_vote_regression)

    @invariant(exercised=lambda spec, s: sum(1 for c, h in zip(s.last_committed, s.log) if h and h[0] <= c) >= 2)
    def logs_prefix_consistent(self, s: ZkState):
        return zkinv.committed_prefixes_agree(s.log, s.last_committed)
