"""Kafka replication of one partition: ISR, high watermark, acks, leader epochs, follower
truncation, clean, unclean and ELR leader election, broker crash and restart.

Granularity follows hachikuji/kafka-specification (the TLA+ model Kafka's committers used
for KIP-320) where Kafka itself is atomic, and splits what Kafka does in several steps:
fetches are requests and responses (the leader learns a follower's log end only from its
fetch requests), ISR changes are AlterPartition requests the controller accepts or rejects,
truncation runs in the fetcher after LeaderAndIsr, and the high-watermark checkpoint lags.
The actions live in three modules by who runs them: the controller
(kafka_replication_controller.py), the partition leader (kafka_replication_leader.py) and
the follower's fetcher (kafka_replication_fetcher.py). Every action is mapped to Kafka's
code paths in spec/kafka_replication.md.
"""

from __future__ import annotations

import itertools
from operator import itemgetter
from typing import Literal, NamedTuple

import attrs

from checker import Spec, SpecError, invariant, leads_to, record, terminal
from checker.symmetry import rename, rename_all, reindex, sorted_representative
from invariants import replication as inv
from invariants.common import one_leader_per_epoch
from spec.kafka_replication_controller import ControllerActions
from spec.kafka_replication_fetcher import ASK, FetcherActions
from spec.kafka_replication_leader import LeaderActions

NONE = -1  # no leader / no leader epoch / no fetch offset known


@record
class KRState(NamedTuple):
    log: tuple  # per replica: ((record id, leader epoch), ...), offset = position
    hw: tuple  # per replica: high watermark in memory
    hw_checkpoint: tuple  # per replica: high watermark in the checkpoint file (lags; what a restart reads); () once no crash is left
    epoch: tuple  # per replica: leader epoch of the last LeaderAndIsr applied
    leader: tuple  # per replica: the leader it believes in (NONE before any request)
    isr: tuple  # per replica: the committed ISR as the leader knows it (() at followers)
    alive: tuple  # per replica: broker process running
    broker_epoch: tuple  # per replica: broker epoch, new at every registration (restart) (KIP-380, KIP-903)
    truncate_to: tuple  # per replica: NONE fetching, ASK (OffsetsForLeaderEpoch to ask), or an offset to truncate to
    fetch_offsets: tuple  # per replica, as leader: each follower's offset from its last accepted fetch (NONE: none)
    fetch: tuple  # per follower: its one outstanding fetch, () / request / response (kafka_replication_fetcher.py)
    # per replica, as leader: its AlterPartition in flight, () or
    # (stage, proposed ISR, base ISR, leader epoch, joining replica, its broker epoch)
    alter_in_flight: tuple
    controller_leader: int  # controller's partition state: leader,
    controller_leader_epoch: int  # leader epoch,
    controller_isr: tuple  # ISR (sorted replica ids),
    controller_elr: tuple  # and KIP-966 eligible leader replicas (sorted; always () unless `elr`)
    requests: tuple  # LeaderAndIsr requests sent: ((epoch, leader, isr), ...), one per epoch
    produced: int  # records the producer has had appended (next record id = produced + 1)
    crashes: int
    pending: tuple  # ghost: ids of acks=all records waiting in the leader's purgatory
    acked: tuple  # ghost: ids of records the producer saw acknowledged
    weak: tuple  # ghost: ids of records acknowledged with acks=all while held by < min_insync replicas
    visible: tuple  # ghost: the longest log prefix consumers could read (below a leader's hw)


def _as_seen_by(x: int, f: int) -> int:
    """An id as follower f's signature holds it: NONE, replica 0, f itself (-2) or another follower (1)."""
    return x if x <= 0 else (-2 if x == f else 1)


_RENAMED_SETS: dict[tuple, dict[tuple, tuple]] = {}  # order -> {id set: the set renamed}; bounded: subsets x orders


def _image(s: KRState, order: list) -> KRState:
    """permute(s, p) for the p that renames follower order[k] to k + 1 (replica 0 stays),
    built directly: canonical()'s inner step. permute() stays the plain reference that the
    self-check and tests compare it with."""
    p = [0] * (len(order) + 1)
    for k, f in enumerate(order, 1):
        p[f] = k
    g = itemgetter(0, *order)  # g(t)[new id] = t[old id]
    renamed = _RENAMED_SETS.get(tuple(order))  # id sets (ISRs) are few: each renamed once per order
    if renamed is None:
        renamed = _RENAMED_SETS[tuple(order)] = {}

    def ids(xs: tuple) -> tuple:
        out = renamed.get(xs)
        if out is None:
            out = renamed[xs] = tuple(sorted([p[x] if x >= 0 else x for x in xs]))
        return out

    def alter(a: tuple) -> tuple:
        return (a[0], ids(a[1]), ids(a[2]), a[3], p[a[4]] if a[4] >= 0 else a[4], a[5]) if a else a

    return KRState(
        log=g(s.log), hw=g(s.hw), hw_checkpoint=g(s.hw_checkpoint) if s.hw_checkpoint else (), epoch=g(s.epoch),
        leader=tuple([p[x] if x >= 0 else x for x in g(s.leader)]), isr=tuple([ids(i) for i in g(s.isr)]),
        alive=g(s.alive), broker_epoch=g(s.broker_epoch), truncate_to=g(s.truncate_to),
        fetch_offsets=tuple([g(fo) for fo in g(s.fetch_offsets)]),
        fetch=tuple([(m[0], p[m[1]] if m[1] >= 0 else m[1]) + m[2:] if m else m for m in g(s.fetch)]),
        alter_in_flight=tuple([alter(a) for a in g(s.alter_in_flight)]),
        controller_leader=p[s.controller_leader] if s.controller_leader >= 0 else s.controller_leader,
        controller_leader_epoch=s.controller_leader_epoch, controller_isr=ids(s.controller_isr),
        controller_elr=ids(s.controller_elr),
        requests=tuple([(e, p[ldr] if ldr >= 0 else ldr, ids(isr)) for e, ldr, isr in s.requests]),
        produced=s.produced, crashes=s.crashes, pending=s.pending, acked=s.acked, weak=s.weak, visible=s.visible)


@attrs.frozen
class KafkaReplication(ControllerActions, LeaderActions, FetcherActions, Spec):
    replicas: int = 2
    records: int = 2
    max_leader_epoch: int = 1
    acks: Literal["0", "1", "all"] = "all"
    min_insync: int = 2
    unclean_election: bool = False
    truncation: Literal["hw", "kip101", "kip279", "kip320"] = "kip320"
    max_crashes: int = 1
    lose_unflushed: bool = False
    maximal_isr: bool = True  # False: the leader counts a pending, unaccepted AlterPartition ISR as committed
    hw_before_truncation: bool = False  # True: KAFKA-14704, a diverging fetch response's hw applied before truncating
    elr: bool = False  # KIP-966 Eligible Leader Replicas

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
        if self.hw_before_truncation and self.truncation != "kip320":
            raise SpecError(f"hw_before_truncation=True with truncation={self.truncation!r}: KAFKA-14704 is in the "
                            "truncation on fetch responses (diverging epoch) that only the kip320 fetcher does; the "
                            "older rules truncate before fetching at all. Use -c truncation=kip320.")

    def symmetry(self):
        """Followers are interchangeable; replica 0 is not (it leads epoch 0 in the initial
        state), so the group is the permutations fixing 0. The controller may elect any live
        replica, every choice is an action parameter, and ISRs are sets. (Self-checked by
        the engine before every search; with 2 replicas the group is trivial.)"""
        return tuple((0,) + q for q in itertools.permutations(range(1, self.replicas)))

    def permute(self, s, p):
        def msg(m):
            return m[:1] + (rename(m[1], p),) + m[2:] if m else m

        def alter(a):
            return (a[0], rename_all(a[1], p), rename_all(a[2], p), a[3], rename(a[4], p), a[5]) if a else a

        return s._replace(
            log=reindex(s.log, p), hw=reindex(s.hw, p), hw_checkpoint=reindex(s.hw_checkpoint, p),
            epoch=reindex(s.epoch, p),
            leader=reindex(tuple(rename(x, p) for x in s.leader), p),
            isr=reindex(tuple(rename_all(i, p) for i in s.isr), p), alive=reindex(s.alive, p),
            broker_epoch=reindex(s.broker_epoch, p), truncate_to=reindex(s.truncate_to, p),
            fetch_offsets=reindex(tuple(reindex(f, p) for f in s.fetch_offsets), p),
            fetch=reindex(tuple(msg(m) for m in s.fetch), p),
            alter_in_flight=reindex(tuple(alter(a) for a in s.alter_in_flight), p),
            controller_leader=rename(s.controller_leader, p), controller_isr=rename_all(s.controller_isr, p),
            controller_elr=rename_all(s.controller_elr, p),
            requests=tuple((e, rename(ldr, p), rename_all(isr, p)) for e, ldr, isr in s.requests),
        )

    def canonical(self, s: KRState) -> KRState:
        """One representative per orbit without building and hashing every image: followers
        sorted by a signature that renaming keeps (their local variables; the ids they name
        as replica 0 / none / self / another follower), the least image only among followers
        that tie (sorted_representative). Usually s itself or one image (a third of
        permute()'s cost, _image), hashed once."""
        if self.replicas < 3:
            return s
        fo0, cisr = s.fetch_offsets[0], s.controller_isr
        keys = []
        for f in range(1, self.replicas):
            ldr = s.leader[f]
            m = s.fetch[f]
            if m:
                m = (m[0], _as_seen_by(m[1], f)) + m[2:]
            keys.append((s.log[f], s.hw[f], s.epoch[f], s.alive[f], s.truncate_to[f], m, _as_seen_by(ldr, f),
                         fo0[f], f in cisr, s.broker_epoch[f], s.hw_checkpoint[f] if s.hw_checkpoint else None))
        return sorted_representative(s, range(1, self.replicas), keys, _image)

    def forget_checkpoints(self, s: KRState) -> KRState:
        """Once the crash budget is used up no checkpoint is ever read again (a crash reads it
        into the hw the restart comes back with), so the model stops keeping them: states that
        differed only in checkpoints are then one state. (State hygiene in place of a view(),
        which liveness checking refuses: the states merged behave alike and no property or
        invariant reads a checkpoint, so every verdict is the same.)"""
        return s._replace(hw_checkpoint=()) if s.crashes >= self.max_crashes else s

    def init(self):
        n, everyone = self.replicas, tuple(range(self.replicas))
        # Leader 0 has been elected in epoch 0 with every replica in sync, and every replica
        # has applied that LeaderAndIsr request: the partition right after topic creation;
        # each follower's first fetch request is outstanding.
        s = KRState(log=((),) * n, hw=(0,) * n, hw_checkpoint=(0,) * n, epoch=(0,) * n, leader=(0,) * n,
                    isr=(everyone,) + ((),) * (n - 1), alive=(True,) * n, truncate_to=(NONE,) * n,
                    fetch_offsets=((NONE,) * n,) * n, fetch=((),) + ((1, 0, 0, NONE, 0, 0),) * (n - 1),
                    alter_in_flight=((),) * n, broker_epoch=(0,) * n, controller_leader=0, controller_leader_epoch=0,
                    controller_isr=everyone, controller_elr=(), requests=((0, 0, everyone),),
                    produced=0, crashes=0, pending=(), acked=(), weak=(), visible=())
        yield self.forget_checkpoints(s)

    # -- helpers the action modules share -------------------------------------------------------

    def _true_leader(self, s: KRState, r: int) -> bool:
        return s.controller_leader == r and s.leader[r] == r and s.epoch[r] == s.controller_leader_epoch

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
        low = min((s.epoch[r] for r in range(self.replicas) if s.alive[r]), default=s.controller_leader_epoch)
        reqs = s.requests
        if len(reqs) > 1 and reqs[0][0] <= low:
            kept = tuple(q for q in reqs[:-1] if q[0] > low) + reqs[-1:]
            return s._replace(requests=kept)
        return s

    @terminal
    def bounds_used_up(self, s: KRState) -> bool:
        """A state without successors is an expected end once every record is produced (the
        replicas then converge and stop), or when the leader-epoch bound keeps the
        controller from replacing a failed leader (an artifact of the bound, not a hang)."""
        return s.produced == self.records or s.controller_leader_epoch >= self.max_leader_epoch

    # -- liveness -------------------------------------------------------------------------------
    # Fairness (kafka_replication.md, "Liveness"): every step a broker or the controller takes on
    # its own is weakly fair per instance — applying LeaderAndIsr, fetching, answering fetches,
    # advancing the hw, the ISR timer (shrink_isr), AlterPartition, replacing a failed leader
    # (elect); faults (crash) and choices (produce, move_leadership, restart: a dead broker may
    # stay dead) are never forced.

    def _leaderless_at_bound(self, s: KRState) -> bool:
        """The leader is dead and max_leader_epoch forbids electing another: the model ends
        there (as `bounds_used_up` says), the partition would not."""
        return not s.alive[s.controller_leader] and s.controller_leader_epoch >= self.max_leader_epoch

    @leads_to(lambda spec, s, rec: spec.acks == "all" and rec in s.acked, rec=lambda spec: range(1, spec.records + 1))
    def acked_below_hw_everywhere(self, s: KRState, rec: int) -> bool:
        """A record acknowledged under acks=all is eventually below the high watermark on every
        live member of the ISR (the controller's): a consumer may read it from any replica that
        could lead. Holds trivially with no live ISR member (the partition is offline)."""
        if self._leaderless_at_bound(s):
            return True
        return all(any(entry[0] == rec for entry in s.log[r][: s.hw[r]])
                   for r in s.controller_isr if s.alive[r])

    @leads_to(lambda spec, s, rec: rec in s.pending, rec=lambda spec: range(1, spec.records + 1))
    def produce_answered(self, s: KRState, rec: int) -> bool:
        """An acks=all produce request in the leader's purgatory is eventually answered:
        acknowledged, NOT_ENOUGH_REPLICAS_AFTER_APPEND, or NOT_LEADER when its leader stops
        leading. The purgatory's own timeout (REQUEST_TIMED_OUT) is not modelled: without
        KIP-966 the property holds without it; under KIP-966 (`elr`) the hw stops below
        min_insync and only that timeout would answer (kafka_replication.md, "Liveness")."""
        return rec not in s.pending or self._leaderless_at_bound(s)

    # -- invariants ---------------------------------------------------------------------------

    def true_leaders(self, s: KRState) -> dict[int, tuple]:
        return {r: s.log[r] for r in range(self.replicas) if s.alive[r] and self._true_leader(s, r)}

    def caught_up_followers(self, s: KRState) -> dict[int, int]:
        """follower -> its true leader, for live followers that finished truncating in the
        leader's epoch and whose fetch the leader accepted (it counts them for the hw)."""
        out = {}
        for ldr in self.true_leaders(s):
            for f in range(self.replicas):
                if (f != ldr and s.alive[f] and s.leader[f] == ldr and s.epoch[f] == s.epoch[ldr]
                        and s.truncate_to[f] == NONE and s.fetch_offsets[ldr][f] != NONE):
                    out[f] = ldr
        return out

    @invariant(exercised=lambda spec, s: bool(s.acked))
    def no_acked_loss(self, s: KRState):
        return inv.no_acked_loss(self.true_leaders(s), s.acked, record_id=lambda entry: entry[0])

    @invariant(exercised=lambda spec, s: sum(1 for h in s.hw if h > 0) >= 2)
    def committed_logs_agree(self, s: KRState):
        return inv.committed_logs_agree(dict(enumerate(s.log)), dict(enumerate(s.hw)))

    @invariant(exercised=lambda spec, s: any(min(s.hw[f], s.hw[ldr]) > 0
                                             for f, ldr in spec.caught_up_followers(s).items()))
    def live_replicas_agree(self, s: KRState):
        """Divergence among live replicas only (KIP-101 scenario 2, K8): a follower that has
        truncated and fetches in its true leader's epoch agrees with the leader below both
        high watermarks. Dead replicas and followers still to truncate are not compared, so
        a lost committed record (last replica standing) does not count here."""
        pairs = self.caught_up_followers(s)
        return inv.followers_agree_with_leader(dict(enumerate(s.log)), dict(enumerate(s.hw)), pairs)

    @invariant(exercised=lambda spec, s: bool(s.visible))
    def hw_never_decreases_visibly(self, s: KRState):
        return inv.visible_prefix_kept(s.visible, self.true_leaders(s))

    @invariant(exercised=lambda spec, s: sum(1 for r, ldr in enumerate(s.leader) if ldr == r) >= 2)
    def one_leader_per_epoch(self, s: KRState):
        return one_leader_per_epoch((s.epoch[r], r) for r in range(self.replicas) if s.leader[r] == r)

    @invariant(exercised=lambda spec, s: spec.acks == "all" and bool(s.acked))
    def isr_quorum(self, s: KRState):
        return inv.isr_quorum(s.weak, self.min_insync)


__all__ = ["KafkaReplication", "KRState", "NONE", "ASK"]
