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

from itertools import permutations, product
from operator import itemgetter
from typing import NamedTuple

import attrs

from checker import Spec, SpecError, action, invariant, record, terminal
from checker.symmetry import permutations_of, rename, rename_bag, reindex
from invariants import controller as inv
from invariants.common import one_leader_per_epoch
from spec.mechanics import bag_add_all, bag_distinct, bag_remove, set_at

NONE = -1
_IDENTITY = [list(range(k)) for k in range(5)]  # canonical(): no renaming needed


@record
class KCState(NamedTuple):
    zk_owner: int  # broker holding the ephemeral /controller znode (NONE: absent)
    zk_epoch: int  # /controller_epoch
    zk_leader: int  # partition state znode: leader
    zk_leader_epoch: int  # and leader epoch
    session: tuple  # per broker: its ZooKeeper session is live
    campaign: tuple  # per broker: about to try to create /controller (startup, watch fired, new session)
    watch: tuple  # per broker: an exists-watch on /controller is registered (one-shot)
    active: tuple  # per broker: controller epoch it believes it holds (0: not controller)
    cache: tuple  # per broker: (leader epoch, leader) the controller read when it took over
    elected: tuple  # per broker: this controller term has already elected a leader
    seen: tuple  # per broker: newest controller epoch seen on a request it accepted
    acted: tuple  # per broker: controller epoch of the last request it acted on
    part: tuple  # per broker: (leader epoch, leader) it applied last
    net: tuple  # bag of LeaderAndIsr requests (dest, controller epoch, leader, leader epoch)
    expirations: int


def _brokers(spec, s):
    return range(spec.brokers)


def _messages(spec, s):
    return bag_distinct(s.net)


def _image(s: KCState, order: list) -> KCState:
    """permute(s, p) for the p with p[order[rank]] = rank, built directly (canonical()'s
    inner loop; permute() stays the plain reference the self-check and tests compare with)."""
    p = [0] * len(order)
    for rank, b in enumerate(order):
        p[b] = rank
    g = itemgetter(*order)
    return KCState(
        p[s.zk_owner] if s.zk_owner >= 0 else NONE, s.zk_epoch, p[s.zk_leader] if s.zk_leader >= 0 else NONE,
        s.zk_leader_epoch, g(s.session), g(s.campaign), g(s.watch), g(s.active),
        tuple([(e, p[x] if x >= 0 else NONE) for e, x in g(s.cache)]), g(s.elected), g(s.seen), g(s.acted),
        tuple([(e, p[x] if x >= 0 else NONE) for e, x in g(s.part)]),
        tuple(sorted([(p[d], ce, p[x] if x >= 0 else NONE, le) for d, ce, x, le in s.net])), s.expirations)


@attrs.frozen
class KafkaController(Spec):
    brokers: int = 3
    max_expirations: int = 1
    controller_epoch_fencing: bool = True

    def __attrs_post_init__(self) -> None:
        if not 2 <= self.brokers <= 4:
            raise SpecError(f"brokers={self.brokers}: the controller race needs 2 to 4 brokers here (2 already shows "
                            "the zombie controller; 5 is beyond an exhaustive run). Use -c brokers=3.")
        if self.max_expirations < 0:
            raise SpecError(f"max_expirations={self.max_expirations} must be >= 0 (0: no session ever expires).")

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
            session=reindex(s.session, p), campaign=reindex(s.campaign, p), watch=reindex(s.watch, p),
            active=reindex(s.active, p), cache=reindex(tuple(map(entry, s.cache)), p), elected=reindex(s.elected, p),
            seen=reindex(s.seen, p), acted=reindex(s.acted, p), part=reindex(tuple(map(entry, s.part)), p),
            net=rename_bag(s.net, lambda m: (p[m[0]], m[1], rename(m[2], p), m[3])),
        )

    def canonical(self, s: KCState) -> KCState:
        """One representative per orbit, without trying all brokers! renamings: the least
        (tuple order: every field holds ints, bools or tuples of them) image of s among the
        renamings that sort brokers by a renaming-invariant signature. Every image of s has
        the same signatures, hence the same candidates: the result is the same across an
        orbit; and it is an image of s, so two orbits never share it. Only ties (brokers
        with equal signatures, mostly in the first steps) multiply the candidates."""
        n = self.brokers
        msgs: list = [()] * n
        if s.net:
            per: list[list] = [[] for _ in range(n)]
            for d, ce, leader, le in s.net:  # a request as its destination sees it (leader: self/none/other)
                per[d].append((ce, le, 0 if leader == d else (-1 if leader < 0 else 1)))
            msgs = [tuple(sorted(m)) for m in per]
        owner, zl = s.zk_owner, s.zk_leader
        sig = [(a, se, ac, ss, c, w, e, ce, 0 if cl == b else (-1 if cl < 0 else 1),
                pe, 0 if pl == b else (-1 if pl < 0 else 1), b == owner, b == zl, m)
               for b, (a, se, ac, ss, c, w, e, (ce, cl), (pe, pl), m)
               in enumerate(zip(s.active, s.seen, s.acted, s.session, s.campaign, s.watch, s.elected,
                                s.cache, s.part, msgs))]
        order = sorted(range(n), key=sig.__getitem__)  # order[rank] = the broker renamed to rank
        if len(set(sig)) == n:  # no ties: one candidate
            return s if order == _IDENTITY[n] else _image(s, order)
        groups, first = [], 0  # runs of equal signatures in `order`
        for r in range(1, n + 1):
            if r == n or sig[order[r]] != sig[order[first]]:
                groups.append(order[first:r])
                first = r
        return min(_image(s, [b for g in choice for b in g])
                   for choice in product(*(permutations(g) for g in groups)))

    def init(self):
        n = self.brokers
        # Every broker has just started: sessions open, each about to try to create /controller.
        yield KCState(zk_owner=NONE, zk_epoch=0, zk_leader=NONE, zk_leader_epoch=0,
                      session=(True,) * n, campaign=(True,) * n, watch=(False,) * n, active=(0,) * n,
                      cache=((0, NONE),) * n, elected=(False,) * n, seen=(0,) * n, acted=(0,) * n,
                      part=((0, NONE),) * n, net=(), expirations=0)

    @action(b=_brokers)
    def try_create(self, s: KCState, b: int):
        """KafkaController.elect: create the ephemeral /controller. The winner bumps the
        controller epoch and reads the partition state; a loser (node exists) re-registers
        its one-shot watch."""
        if not s.campaign[b] or not s.session[b]:
            return None
        s = s._replace(campaign=set_at(s.campaign, b, False))
        if s.zk_owner != NONE:
            return s._replace(watch=set_at(s.watch, b, True))
        e = s.zk_epoch + 1
        return s._replace(zk_owner=b, zk_epoch=e, active=set_at(s.active, b, e), elected=set_at(s.elected, b, False),
                          cache=set_at(s.cache, b, (s.zk_leader_epoch, s.zk_leader)))

    @action(b=_brokers)
    def expire(self, s: KCState, b: int):
        """ZooKeeper expires b's session (GC pause, partition): its ephemeral znodes go,
        watches on /controller fire (and are consumed). b does not know yet."""
        if not s.session[b] or s.expirations >= self.max_expirations:
            return None
        s = s._replace(session=set_at(s.session, b, False), watch=set_at(s.watch, b, False),
                       expirations=s.expirations + 1)
        if s.zk_owner == b:
            fired = tuple(c or w for c, w in zip(s.campaign, s.watch))
            s = s._replace(zk_owner=NONE, campaign=fired, watch=(False,) * self.brokers)
        return s

    @action(b=_brokers)
    def reconnect(self, s: KCState, b: int):
        """b's client gets a new session (handleNewSession): a controller resigns, and the
        broker campaigns again."""
        if s.session[b]:
            return None
        return s._replace(session=set_at(s.session, b, True), campaign=set_at(s.campaign, b, True),
                          active=set_at(s.active, b, 0))

    @action(b=_brokers, new=_brokers)
    def elect_leader(self, s: KCState, b: int, new: int):
        """The controller (possibly a zombie) elects a partition leader once per term, from
        its cached state: writes the partition znode with leader epoch + 1 and sends
        LeaderAndIsr to every broker. With fencing the write is conditional on the
        controller epoch's zkVersion; a zombie's write fails and it resigns."""
        if not s.active[b] or s.elected[b] or new == s.cache[b][1]:
            return None
        if self.controller_epoch_fencing and s.zk_epoch != s.active[b]:
            return s._replace(active=set_at(s.active, b, 0))  # ControllerMovedException: resign
        le = s.cache[b][0] + 1
        msgs = tuple((d, s.active[b], new, le) for d in range(self.brokers))
        return s._replace(zk_leader=new, zk_leader_epoch=le, cache=set_at(s.cache, b, (le, new)),
                          elected=set_at(s.elected, b, True), net=bag_add_all(s.net, msgs))

    @action(m=_messages)
    def receive(self, s: KCState, m: tuple):
        """A broker handles LeaderAndIsr: with fencing, STALE_CONTROLLER_EPOCH if older than
        the newest controller epoch it has seen; then the partition's leader-epoch check
        (always on); then it leads or follows."""
        d, ce, leader, le = m
        s = s._replace(net=bag_remove(s.net, m))
        if self.controller_epoch_fencing and ce < s.seen[d]:
            return s  # rejected
        s = s._replace(seen=set_at(s.seen, d, max(s.seen[d], ce)), acted=set_at(s.acted, d, ce))
        if le <= s.part[d][0]:
            return s  # stale leader epoch for this partition: ignored
        return s._replace(part=set_at(s.part, d, (le, leader)))

    @terminal
    def settled(self, s: KCState) -> bool:
        """The expected end: nothing in flight, nobody about to campaign, and every
        controller has done its term's election."""
        return not s.net and not any(s.campaign) and all(e or not a for a, e in zip(s.active, s.elected))

    @invariant
    def one_controller_per_epoch(self, s: KCState):
        return inv.one_controller_per_epoch((s.active[b], b) for b in range(self.brokers) if s.active[b])

    @invariant
    def no_stale_controller_request(self, s: KCState):
        return inv.no_stale_controller_request(dict(enumerate(s.acted)), dict(enumerate(s.seen)))

    @invariant
    def one_leader_per_epoch(self, s: KCState):
        return one_leader_per_epoch((s.part[b][0], b) for b in range(self.brokers) if s.part[b][1] == b)
