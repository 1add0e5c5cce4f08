"""Kafka controller election through ZooKeeper (the pre-KRaft controller), and the
controller-epoch fencing that keeps a zombie controller from changing partition state.

Brokers race to create the ephemeral /controller znode; the winner bumps /controller_epoch
in the same multi-op (KafkaZkClient.registerControllerAndIncrementControllerEpoch). A
session expiry deletes the znode and fires the one-shot watches of the other brokers;
the old controller learns of it only when its ZooKeeper client reconnects with a new
session, and until then it is a zombie that may still elect partition leaders and send
LeaderAndIsr requests. `controller_epoch_fencing` switches on both halves of the fix
(KAFKA-6082 and the STALE_CONTROLLER_EPOCH check): ZooKeeper writes conditional on the
controller epoch's zkVersion, and brokers rejecting requests older than the newest
controller epoch they have seen. One partition, replicated on every broker.
Action -> Kafka map: spec/kafka_replication.md (section "Controller"); broker symmetry and
canonical(): spec/kafka_controller.md.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Annotated, NamedTuple

import attrs

from checker import Range, Spec, action, invariant, record, terminal
from checker.symmetry import permutations_of, rename, rename_bag, reindex, sorted_representative
from invariants import controller as inv
from invariants.common import one_leader_per_epoch
from spec.mechanics import bag_add_all, bag_distinct, bag_remove, budget_left, set_at

NONE = -1
_IDENTITY = [list(range(k)) for k in range(5)]  # canonical(): no renaming needed


@record
class KCState(NamedTuple):
    zk_owner: int  # broker holding the ephemeral /controller znode (NONE: absent)
    zk_epoch: int  # /controller_epoch
    zk_leader: int  # partition state znode: leader
    zk_leader_epoch: int  # and leader epoch
    session: tuple  # per broker: its ZooKeeper session is live
    campaigning: tuple  # per broker: about to try to create /controller (startup, watch fired, new session)
    watching: tuple  # per broker: an exists-watch on /controller is registered (one-shot)
    controller_epoch: tuple  # per broker: controller epoch it believes it holds (0: not controller)
    cached_partition: tuple  # per broker: (leader epoch, leader) the controller read when it took over
    elected_this_term: tuple  # per broker: this controller term has already elected a leader
    newest_epoch_seen: tuple  # per broker: newest controller epoch seen on a request it accepted
    epoch_acted_on: tuple  # per broker: controller epoch of the last request it acted on
    applied_partition: tuple  # per broker: (leader epoch, leader) it applied last
    requests: tuple  # bag of LeaderAndIsr requests in flight (dest, controller epoch, leader, leader epoch)
    expirations: int  # session expirations so far (counts up to `max_expirations`)


def _brokers(spec, s):
    return range(spec.brokers)


def _messages(spec, s):
    return bag_distinct(s.requests)


def _image(s: KCState, order: list) -> KCState:
    """permute(s, p) for the p with p[order[rank]] = rank, built directly (canonical()'s
    inner loop; permute() stays the plain reference the self-check and tests compare with)."""
    p = [0] * len(order)
    for rank, b in enumerate(order):
        p[b] = rank
    g = itemgetter(*order)
    return KCState(
        zk_owner=p[s.zk_owner] if s.zk_owner >= 0 else NONE, zk_epoch=s.zk_epoch,
        zk_leader=p[s.zk_leader] if s.zk_leader >= 0 else NONE, zk_leader_epoch=s.zk_leader_epoch,
        session=g(s.session), campaigning=g(s.campaigning), watching=g(s.watching), controller_epoch=g(s.controller_epoch),
        cached_partition=tuple([(e, p[x] if x >= 0 else NONE) for e, x in g(s.cached_partition)]),
        elected_this_term=g(s.elected_this_term), newest_epoch_seen=g(s.newest_epoch_seen), epoch_acted_on=g(s.epoch_acted_on),
        applied_partition=tuple([(e, p[x] if x >= 0 else NONE) for e, x in g(s.applied_partition)]),
        requests=tuple(sorted([(p[d], ce, p[x] if x >= 0 else NONE, le) for d, ce, x, le in s.requests])),
        expirations=s.expirations)


@attrs.frozen
class KafkaController(Spec):
    brokers: Annotated[int, Range(2, 4, why="2 already show the zombie controller; 5 are beyond an exhaustive run")] = 3
    max_expirations: Annotated[int, Range(0, why="0: no session ever expires")] = 1
    controller_epoch_fencing: bool = True

    def symmetry(self):
        """Brokers are interchangeable: all start campaigning, ZooKeeper's create race has no
        order, the controller may elect any broker, and requests go to every broker. (The
        engine self-checks this declaration before every search.)"""
        return permutations_of(self.brokers)

    def permute(self, s, p):
        def entry(e):  # (leader epoch, leader)
            return (e[0], rename(e[1], p))

        return s._replace(
            zk_owner=rename(s.zk_owner, p), zk_leader=rename(s.zk_leader, p),
            session=reindex(s.session, p), campaigning=reindex(s.campaigning, p), watching=reindex(s.watching, p),
            controller_epoch=reindex(s.controller_epoch, p),
            cached_partition=reindex(tuple(map(entry, s.cached_partition)), p),
            elected_this_term=reindex(s.elected_this_term, p), newest_epoch_seen=reindex(s.newest_epoch_seen, p),
            epoch_acted_on=reindex(s.epoch_acted_on, p), applied_partition=reindex(tuple(map(entry, s.applied_partition)), p),
            requests=rename_bag(s.requests, lambda m: (p[m[0]], m[1], rename(m[2], p), m[3])),
        )

    def canonical(self, s: KCState) -> KCState:
        """One representative per orbit, without trying all brokers! renamings: brokers
        sorted by a renaming-invariant signature (sorted_representative; states compare with
        <, every field holds ints, bools or tuples of them). Only ties (brokers with equal
        signatures, mostly in the first steps) multiply the candidates."""
        n = self.brokers
        msgs: list = [()] * n
        if s.requests:
            per: list[list] = [[] for _ in range(n)]
            for d, ce, leader, le in s.requests:  # a request as its destination sees it (leader: self/none/other)
                per[d].append((ce, le, 0 if leader == d else (-1 if leader < 0 else 1)))
            msgs = [tuple(sorted(m)) for m in per]
        owner, zl = s.zk_owner, s.zk_leader
        sig = [(a, se, ac, ss, c, w, e, ce, 0 if cl == b else (-1 if cl < 0 else 1),
                pe, 0 if pl == b else (-1 if pl < 0 else 1), b == owner, b == zl, m)
               for b, (a, se, ac, ss, c, w, e, (ce, cl), (pe, pl), m)
               in enumerate(zip(s.controller_epoch, s.newest_epoch_seen, s.epoch_acted_on, s.session, s.campaigning,
                                s.watching, s.elected_this_term, s.cached_partition, s.applied_partition, msgs))]
        return sorted_representative(s, _IDENTITY[n], sig, _image)

    def init(self):
        n = self.brokers
        # Every broker has just started: sessions open, each about to try to create /controller.
        yield KCState(zk_owner=NONE, zk_epoch=0, zk_leader=NONE, zk_leader_epoch=0,
                      session=(True,) * n, campaigning=(True,) * n, watching=(False,) * n, controller_epoch=(0,) * n,
                      cached_partition=((0, NONE),) * n, elected_this_term=(False,) * n, newest_epoch_seen=(0,) * n,
                      epoch_acted_on=(0,) * n, applied_partition=((0, NONE),) * n, requests=(), expirations=0)

    @action(b=_brokers)
    def try_create(self, s: KCState, b: int):
        """KafkaController.elect: create the ephemeral /controller. The winner bumps the
        controller epoch and reads the partition state; a loser (node exists) re-registers
        its one-shot watch."""
        if not s.campaigning[b] or not s.session[b]:
            return None
        s = s._replace(campaigning=set_at(s.campaigning, b, False))
        if s.zk_owner != NONE:
            return s._replace(watching=set_at(s.watching, b, True))
        e = s.zk_epoch + 1
        return s._replace(zk_owner=b, zk_epoch=e, controller_epoch=set_at(s.controller_epoch, b, e),
                          elected_this_term=set_at(s.elected_this_term, b, False),
                          cached_partition=set_at(s.cached_partition, b, (s.zk_leader_epoch, s.zk_leader)))

    @action(b=_brokers)
    def expire(self, s: KCState, b: int):
        """ZooKeeper expires b's session (GC pause, partition): its ephemeral znodes go,
        watches on /controller fire (and are consumed). b does not know yet."""
        if not s.session[b] or not budget_left(s.expirations, self.max_expirations):
            return None
        s = s._replace(session=set_at(s.session, b, False), watching=set_at(s.watching, b, False),
                       expirations=s.expirations + 1)
        if s.zk_owner == b:
            fired = tuple(c or w for c, w in zip(s.campaigning, s.watching))
            s = s._replace(zk_owner=NONE, campaigning=fired, watching=(False,) * self.brokers)
        return s

    @action(b=_brokers)
    def reconnect(self, s: KCState, b: int):
        """b's client gets a new session (handleNewSession): a controller resigns, and the
        broker campaigns again."""
        if s.session[b]:
            return None
        return s._replace(session=set_at(s.session, b, True), campaigning=set_at(s.campaigning, b, True),
                          controller_epoch=set_at(s.controller_epoch, b, 0))

    @action(b=_brokers, new=_brokers)
    def elect_leader(self, s: KCState, b: int, new: int):
        """The controller (possibly a zombie) elects a partition leader once per term, from
        its cached state: writes the partition znode with leader epoch + 1 and sends
        LeaderAndIsr to every broker. With fencing the write is conditional on the
        controller epoch's zkVersion; a zombie's write fails and it resigns."""
        if not s.controller_epoch[b] or s.elected_this_term[b] or new == s.cached_partition[b][1]:
            return None
        if self.controller_epoch_fencing and s.zk_epoch != s.controller_epoch[b]:
            return s._replace(controller_epoch=set_at(s.controller_epoch, b, 0))  # ControllerMovedException: resign
        le = s.cached_partition[b][0] + 1
        msgs = tuple((d, s.controller_epoch[b], new, le) for d in range(self.brokers))
        return s._replace(zk_leader=new, zk_leader_epoch=le, cached_partition=set_at(s.cached_partition, b, (le, new)),
                          elected_this_term=set_at(s.elected_this_term, b, True), requests=bag_add_all(s.requests, msgs))

    @action(m=_messages)
    def receive(self, s: KCState, m: tuple):
        """A broker handles LeaderAndIsr: with fencing, STALE_CONTROLLER_EPOCH if older than
        the newest controller epoch it has seen; then the partition's leader-epoch check
        (always on); then it leads or follows."""
        d, ce, leader, le = m
        s = s._replace(requests=bag_remove(s.requests, m))
        if self.controller_epoch_fencing and ce < s.newest_epoch_seen[d]:
            return s  # rejected
        s = s._replace(newest_epoch_seen=set_at(s.newest_epoch_seen, d, max(s.newest_epoch_seen[d], ce)),
                       epoch_acted_on=set_at(s.epoch_acted_on, d, ce))
        if le <= s.applied_partition[d][0]:
            return s  # stale leader epoch for this partition: ignored
        return s._replace(applied_partition=set_at(s.applied_partition, d, (le, leader)))

    @terminal
    def settled(self, s: KCState) -> bool:
        """The expected end: nothing in flight, nobody about to campaign, and every
        controller has done its term's election."""
        return not s.requests and not any(s.campaigning) and all(
            done or not epoch for epoch, done in zip(s.controller_epoch, s.elected_this_term))

    @invariant
    def one_controller_per_epoch(self, s: KCState):
        return inv.one_controller_per_epoch(
            (s.controller_epoch[b], b) for b in range(self.brokers) if s.controller_epoch[b])

    @invariant
    def no_stale_controller_request(self, s: KCState):
        return inv.no_stale_controller_request(dict(enumerate(s.epoch_acted_on)), dict(enumerate(s.newest_epoch_seen)))

    @invariant
    def one_leader_per_epoch(self, s: KCState):
        return one_leader_per_epoch(
            (s.applied_partition[b][0], b) for b in range(self.brokers) if s.applied_partition[b][1] == b)
