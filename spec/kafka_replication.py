"""Kafka replication of one partition: ISR, high watermark, acks, leader epochs, follower
truncation, clean and unclean leader election, broker crash and restart.

Granularity follows hachikuji/kafka-specification (the TLA+ model Kafka's committers used
for KIP-320): the controller writes the partition state (ZooKeeper) atomically and sends a
LeaderAndIsr request per leader epoch; replicas may see those requests late or never;
fetches copy one record. On top of it: a producer with `acks`/`min_insync`, broker crashes
that may lose the unflushed tail, and the truncation rule's history (`truncation`).
Every action is mapped to Kafka's code paths in spec/kafka_replication.md.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import attrs

import itertools

from checker import Spec, SpecError, action, invariant, record, terminal
from checker.symmetry import rename, rename_all, reindex
from invariants import replication as inv
from invariants.common import one_leader_per_epoch
from spec.mechanics import set_at

NONE = -1  # no leader / no leader epoch known


@record
class KRState(NamedTuple):
    log: tuple  # per replica: ((record id, leader epoch), ...), offset = position
    hw: tuple  # per replica: local high watermark
    epoch: tuple  # per replica: leader epoch of the last LeaderAndIsr applied
    leader: tuple  # per replica: the leader it believes in (NONE before any request)
    isr: tuple  # per replica: the ISR (sorted replica ids) as the leader knows it (() at followers: unused)
    alive: tuple  # per replica: broker process running
    c_leader: int  # controller / ZooKeeper partition state: leader,
    c_epoch: int  # leader epoch,
    c_isr: tuple  # and ISR (sorted replica ids)
    requests: tuple  # LeaderAndIsr requests sent: ((epoch, leader, isr), ...), one per epoch
    produced: int  # records the producer has had appended (next record id = produced + 1)
    crashes: int
    pending: tuple  # ghost: ids of acks=all records waiting in the leader's purgatory
    acked: tuple  # ghost: ids of records the producer saw acknowledged
    weak: tuple  # ghost: ids of records acknowledged with acks=all while held by < min_insync replicas
    visible: tuple  # ghost: the longest log prefix consumers could read (below a leader's hw)


def _with(ids: tuple, x: int) -> tuple:
    return tuple(sorted(ids + (x,)))


def _without(ids: tuple, x: int) -> tuple:
    return tuple(i for i in ids if i != x)


def _replicas(spec, s):
    return range(spec.replicas)


def _requests(spec, s):
    return s.requests


def _lost_tail(spec, s):
    return range(spec.records + 1) if spec.lose_unflushed else (0,)


@attrs.frozen
class KafkaReplication(Spec):
    replicas: int = 3
    records: int = 2
    max_leader_epoch: int = 1
    acks: Literal["0", "1", "all"] = "all"
    min_insync: int = 2
    unclean_election: bool = False
    truncation: Literal["hw", "kip101", "kip279", "kip320"] = "kip320"
    max_crashes: int = 1
    lose_unflushed: bool = False

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.replicas <= 5:
            raise SpecError(f"replicas={self.replicas}: a partition needs 1 to 5 replicas here (the state space "
                            "grows exponentially; 2-3 show every known bug). Use -c replicas=3.")
        if not 1 <= self.min_insync <= self.replicas:
            raise SpecError(f"min_insync={self.min_insync} with replicas={self.replicas}: min.insync.replicas must be "
                            f"between 1 and the replication factor, or every acks=all write is refused "
                            f"(NotEnoughReplicas) and nothing is checked. Use -c min_insync=2.")
        for name in ("records", "max_leader_epoch", "max_crashes"):
            if getattr(self, name) < 0:
                raise SpecError(f"{name}={getattr(self, name)} must be >= 0 (0 switches the mechanism off).")
        if self.records > 4:
            raise SpecError(f"records={self.records}: every record multiplies the interleavings; 2 records show every "
                            "known bug and 3 is already beyond an exhaustive run. Use -c records=2.")

    def symmetry(self):
        """Followers are interchangeable; replica 0 is not (it leads epoch 0 in the initial
        state), so the group is the permutations fixing 0. The controller may elect any live
        replica, every choice is an action parameter, and ISRs are sets. (Self-checked by
        the engine before every search; with 2 replicas the group is trivial.)"""
        return tuple((0,) + q for q in itertools.permutations(range(1, self.replicas)))

    def permute(self, s, p):
        return s._replace(
            log=reindex(s.log, p), hw=reindex(s.hw, p), epoch=reindex(s.epoch, p),
            leader=reindex(tuple(rename(x, p) for x in s.leader), p),
            isr=reindex(tuple(rename_all(i, p) for i in s.isr), p), alive=reindex(s.alive, p),
            c_leader=rename(s.c_leader, p), c_isr=rename_all(s.c_isr, p),
            requests=tuple((e, rename(ldr, p), rename_all(isr, p)) for e, ldr, isr in s.requests),
        )

    def init(self):
        n, everyone = self.replicas, tuple(range(self.replicas))
        # Leader 0 has been elected in epoch 0 with every replica in sync, and every replica
        # has applied that LeaderAndIsr request: the partition right after topic creation.
        yield KRState(log=((),) * n, hw=(0,) * n, epoch=(0,) * n, leader=(0,) * n,
                      isr=(everyone,) + ((),) * (n - 1), alive=(True,) * n,
                      c_leader=0, c_epoch=0, c_isr=everyone, requests=((0, 0, everyone),),
                      produced=0, crashes=0, pending=(), acked=(), weak=(), visible=())

    # -- helpers ------------------------------------------------------------------------------

    def _following(self, s: KRState, f: int, ldr: int) -> bool:
        """f fetches from ldr; from KIP-320 on only if both are in the same leader epoch."""
        if s.leader[f] != ldr:
            return False
        return self.truncation != "kip320" or s.epoch[f] == s.epoch[ldr]

    def _true_leader(self, s: KRState, r: int) -> bool:
        return s.c_leader == r and s.leader[r] == r and s.epoch[r] == s.c_epoch

    def _drop_purgatory(self, s: KRState, r: int) -> tuple:
        """Pending acks=all produce requests at r fail when r stops leading (NOT_LEADER)."""
        if s.leader[r] != r:
            return s.pending
        mine = {rec for rec, e in s.log[r] if e == s.epoch[r]}
        return tuple(rec for rec in s.pending if rec not in mine)

    def _prune(self, s: KRState) -> KRState:
        """Forget LeaderAndIsr requests no live replica can still apply (epoch <= every live
        replica's epoch; a restarted broker only takes the current one): state hygiene,
        not behaviour. The current epoch's request is always kept for restarts."""
        low = min((s.epoch[r] for r in range(self.replicas) if s.alive[r]), default=s.c_epoch)
        reqs = s.requests
        if len(reqs) > 1 and reqs[0][0] <= low:
            kept = tuple(q for q in reqs[:-1] if q[0] > low) + reqs[-1:]
            return s._replace(requests=kept)
        return s

    def truncation_offset(self, s: KRState, r: int, ldr: int) -> int:
        """Where follower r truncates its log before fetching from ldr, per `truncation`."""
        mine, theirs = s.log[r], s.log[ldr]
        if self.truncation == "hw":  # before KIP-101: to the local (lagging) high watermark
            return s.hw[r]
        if not mine:
            return 0
        if self.truncation == "kip101":  # OffsetsForLeaderEpoch(epoch of the last local record)
            last = mine[-1][1]
            if not theirs:
                return s.hw[r]
            if theirs[-1][1] == last:
                return len(theirs)
            later = [o for o, (_, e) in enumerate(theirs) if e > last]
            return later[0] if later else s.hw[r]  # UNDEFINED_EPOCH_OFFSET: fall back to the hw
        # KIP-279 (and KIP-320): walk back epoch by epoch to the last offset where both logs match
        common = [o for o in range(min(len(mine), len(theirs))) if mine[o] == theirs[o]]
        return common[-1] + 1 if common else 0

    # -- controller ---------------------------------------------------------------------------

    @action(new=_replicas)
    def elect(self, s: KRState, new: int):
        """The controller moves leadership (leader broker failed or its ZooKeeper session
        expired, controlled shutdown, preferred-leader election): bumps the leader epoch,
        writes the partition state, sends LeaderAndIsr. Clean: a live ISR member; unclean
        (when enabled and no ISR member is live): any live replica, which becomes the ISR."""
        if s.c_epoch >= self.max_leader_epoch or new == s.c_leader or not s.alive[new]:
            return None
        live_isr = tuple(r for r in s.c_isr if s.alive[r])
        if new in live_isr:
            isr = live_isr
        elif self.unclean_election and not live_isr:
            isr = (new,)
        else:
            return None
        e = s.c_epoch + 1
        return s._replace(c_leader=new, c_epoch=e, c_isr=isr, requests=s.requests + ((e, new, isr),))

    # -- LeaderAndIsr handling ----------------------------------------------------------------

    @action(req=_requests)
    def become_leader(self, s: KRState, req: tuple):
        """ReplicaManager.makeLeaders: a LeaderAndIsr naming this replica leader with a newer
        epoch. The new leader keeps its log and its (lagging) high watermark."""
        e, r, isr = req
        if not s.alive[r] or e <= s.epoch[r]:
            return None
        return self._prune(s._replace(pending=self._drop_purgatory(s, r), epoch=set_at(s.epoch, r, e),
                                      leader=set_at(s.leader, r, r), isr=set_at(s.isr, r, isr)))

    @action(r=_replicas, req=_requests)
    def become_follower(self, s: KRState, r: int, req: tuple):
        """ReplicaManager.makeFollowers + the fetcher's truncation phase: on every newer
        leader epoch the replica truncates (rule per `truncation`), then fetches."""
        e, ldr, _ = req
        if r == ldr or not s.alive[r] or e <= s.epoch[r]:
            return None
        if self.truncation != "hw" and not s.alive[ldr]:
            return None  # OffsetsForLeaderEpoch needs the leader to answer
        if self.truncation == "kip320" and not (s.leader[ldr] == ldr and s.epoch[ldr] == e):
            return None  # FENCED/UNKNOWN_LEADER_EPOCH: the leader is not yet in epoch e
        to = min(self.truncation_offset(s, r, ldr), len(s.log[r]))
        return self._prune(s._replace(pending=self._drop_purgatory(s, r), log=set_at(s.log, r, s.log[r][:to]),
                                      hw=set_at(s.hw, r, min(s.hw[r], to)), epoch=set_at(s.epoch, r, e),
                                      leader=set_at(s.leader, r, ldr), isr=set_at(s.isr, r, ())))

    # -- producer and leader ------------------------------------------------------------------

    @action(r=_replicas)
    def produce(self, s: KRState, r: int):
        """A produce request reaches a replica that believes it leads (zombies included).
        acks=all is refused (NOT_ENOUGH_REPLICAS) when the leader's ISR < min_insync."""
        if s.produced >= self.records or s.leader[r] != r or not s.alive[r]:
            return None
        if self.acks == "all" and len(s.isr[r]) < self.min_insync:
            return None
        rec = s.produced + 1
        s = s._replace(log=set_at(s.log, r, s.log[r] + ((rec, s.epoch[r]),)), produced=rec)
        if self.acks == "1":
            return s._replace(acked=s.acked + (rec,))
        if self.acks == "all":
            return s._replace(pending=s.pending + (rec,))
        return s

    @action(f=_replicas)
    def fetch(self, s: KRState, f: int):
        """One fetch round trip (ReplicaFetcherThread): the follower gets the next record
        at its log end offset, if any, and the leader's hw, capped by its own log end
        (the follower's hw lags the leader's by a round). No consistency check on the
        records themselves: that is what truncation is for."""
        ldr = s.leader[f]
        if ldr == NONE or ldr == f or not s.alive[f] or not s.alive[ldr] or s.leader[ldr] != ldr:
            return None
        if not self._following(s, f, ldr):
            return None  # KIP-320: FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH
        mine, theirs = s.log[f], s.log[ldr]
        if len(theirs) > len(mine):
            mine = mine + (theirs[len(mine)],)
        hw = min(s.hw[ldr], len(mine))
        if mine is s.log[f] and hw == s.hw[f]:
            return None  # nothing new: the round trip changes no state
        return s._replace(log=set_at(s.log, f, mine), hw=set_at(s.hw, f, hw))

    @action(ldr=_replicas)
    def advance_hw(self, s: KRState, ldr: int):
        """Partition.maybeIncrementLeaderHW: hw = min log end offset over the leader's ISR
        (only followers fetching in the leader's epoch count from KIP-320 on). Records of
        the leader's own epoch that pass the hw complete their acks=all produce requests,
        if the ISR still has min_insync members (else NOT_ENOUGH_REPLICAS_AFTER_APPEND)."""
        if not s.alive[ldr] or s.leader[ldr] != ldr:
            return None
        members = s.isr[ldr]
        if any(f != ldr and not self._following(s, f, ldr) for f in members):
            return None
        new = min(len(s.log[x]) for x in members) if members else len(s.log[ldr])
        old = s.hw[ldr]
        if new <= old:
            return None
        log = s.log[ldr]
        acked, weak, pending = s.acked, s.weak, s.pending
        enough = len(members) >= self.min_insync
        for o in range(old, new):
            rec = log[o][0]
            if rec in pending and log[o][1] == s.epoch[ldr]:
                pending = _without(pending, rec)
                if enough:
                    acked = _with(acked, rec)
                    copies = sum(1 for x in range(self.replicas) if len(s.log[x]) > o and s.log[x][o] == log[o])
                    if copies < self.min_insync:
                        weak = _with(weak, rec)
        visible = log[:new] if new > len(s.visible) else s.visible
        return s._replace(hw=set_at(s.hw, ldr, new), pending=pending, acked=acked, weak=weak, visible=visible)

    @action(f=_replicas)
    def shrink_isr(self, s: KRState, f: int):
        """Partition.maybeShrinkIsr: the leader drops a follower that lags (replica.lag.time.max.ms:
        behind the leader's log end, not fetching in this epoch, or its broker is down).
        The write to ZooKeeper is conditional on the partition's zkVersion: only the
        current leader in the current epoch succeeds. Changes only the ISR."""
        ldr = s.c_leader
        if f == ldr or not self._true_leader(s, ldr) or f not in s.isr[ldr] or not s.alive[ldr]:
            return None
        if self._following(s, f, ldr) and len(s.log[f]) >= len(s.log[ldr]):
            return None
        isr = _without(s.isr[ldr], f)
        return s._replace(isr=set_at(s.isr, ldr, isr), c_isr=isr)

    @action(f=_replicas)
    def expand_isr(self, s: KRState, f: int):
        """Partition.maybeExpandIsr: a follower whose fetch offset reached the leader's hw
        (from KIP-320 on also the start offset of the leader's epoch) rejoins the ISR."""
        ldr = s.c_leader
        if f == ldr or not self._true_leader(s, ldr) or f in s.isr[ldr] or not s.alive[ldr] or not s.alive[f]:
            return None
        if not self._following(s, f, ldr) or len(s.log[f]) < s.hw[ldr]:
            return None
        if self.truncation == "kip320":
            log = s.log[ldr]
            start = next((o for o, (_, e) in enumerate(log) if e == s.epoch[ldr]), len(log))
            if len(s.log[f]) < start:
                return None
        isr = _with(s.isr[ldr], f)
        return s._replace(isr=set_at(s.isr, ldr, isr), c_isr=isr)

    # -- faults -------------------------------------------------------------------------------

    @action(r=_replicas, lost=_lost_tail)
    def crash(self, s: KRState, r: int, lost: int):
        """The broker process dies. In-memory state (leadership, purgatory) is gone; with
        `lose_unflushed` the last `lost` records were acknowledged but never fsynced."""
        if not s.alive[r] or s.crashes >= self.max_crashes or lost > len(s.log[r]):
            return None
        keep = len(s.log[r]) - lost
        return self._prune(s._replace(pending=self._drop_purgatory(s, r), alive=set_at(s.alive, r, False),
                                      log=set_at(s.log, r, s.log[r][:keep]), hw=set_at(s.hw, r, min(s.hw[r], keep)),
                                      leader=set_at(s.leader, r, NONE), isr=set_at(s.isr, r, ()),
                                      crashes=s.crashes + 1))

    @action(r=_replicas)
    def controller_shrink_isr(self, s: KRState, r: int):
        """KafkaController.onBrokerFailure: a dead follower leaves the ISR (never its last
        member; a dead leader is handled by elect). The leader, if it is the true one,
        learns the new ISR; the leader epoch is not bumped."""
        if s.alive[r] or r not in s.c_isr or s.c_isr == (r,) or r == s.c_leader:
            return None
        isr = _without(s.c_isr, r)
        ldr = s.c_leader
        if self._true_leader(s, ldr):
            s = s._replace(isr=set_at(s.isr, ldr, isr))
        return s._replace(c_isr=isr)

    @action(r=_replicas)
    def restart(self, s: KRState, r: int):
        """The broker restarts with its log and hw checkpoint. The controller sees a bounce
        as a failure first (KIP-380 broker epoch): the broker must be out of the ISR unless
        it is its last member, and a failed leader is replaced (elect) while another ISR
        member is live; a leader that is the last live ISR member is re-elected in a new
        epoch. Requests sent before the crash died with the connection: the replica accepts
        only the current epoch's request, re-sent on startup with today's ISR, or later."""
        if s.alive[r]:
            return None
        others_live = [x for x in s.c_isr if x != r and s.alive[x]]
        s = s._replace(alive=set_at(s.alive, r, True))
        if s.c_leader == r:
            if others_live or s.c_epoch >= self.max_leader_epoch:
                return None  # the controller must elect another leader first (or the epoch bound is reached)
            e = s.c_epoch + 1
            return s._replace(epoch=set_at(s.epoch, r, s.c_epoch), c_epoch=e,
                              requests=s.requests + ((e, r, s.c_isr),))
        if r in s.c_isr and s.c_isr != (r,):
            return None  # still in the ISR: the controller removes it first (controller_shrink_isr)
        return s._replace(epoch=set_at(s.epoch, r, s.c_epoch - 1),
                          requests=s.requests[:-1] + ((s.c_epoch, s.c_leader, s.c_isr),))

    @terminal
    def bounds_used_up(self, s: KRState) -> bool:
        """A state without successors is an expected end once every record is produced (the
        replicas then converge and stop), or when the leader-epoch bound keeps the
        controller from replacing a failed leader (an artifact of the bound, not a hang)."""
        return s.produced == self.records or s.c_epoch >= self.max_leader_epoch

    # -- invariants ---------------------------------------------------------------------------

    def true_leaders(self, s: KRState) -> dict[int, tuple]:
        return {r: s.log[r] for r in range(self.replicas) if s.alive[r] and self._true_leader(s, r)}

    @invariant
    def no_acked_loss(self, s: KRState):
        return inv.no_acked_loss(self.true_leaders(s), s.acked, record_id=lambda entry: entry[0])

    @invariant
    def committed_logs_agree(self, s: KRState):
        return inv.committed_logs_agree(dict(enumerate(s.log)), dict(enumerate(s.hw)))

    @invariant
    def hw_never_decreases_visibly(self, s: KRState):
        return inv.visible_prefix_kept(s.visible, self.true_leaders(s))

    @invariant
    def one_leader_per_epoch(self, s: KRState):
        return one_leader_per_epoch((s.epoch[r], r) for r in range(self.replicas) if s.leader[r] == r)

    @invariant
    def isr_quorum(self, s: KRState):
        return inv.isr_quorum(s.weak, self.min_insync)
