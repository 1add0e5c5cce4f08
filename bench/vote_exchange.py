"""A vote-exchange model written once per state representation, for bench/state_types.py.

The protocol is the vote exchange at the heart of ZooKeeper's Fast Leader Election,
reduced to what makes its state space: `n` servers each start by voting for themselves
and send that vote to every peer; a server that receives a better vote (FastLeaderElection's
totalOrderPredicate: higher epoch, then zxid, then server id — one epoch here) adopts it
and sends it to every peer; a server decides once a quorum (itself included) holds its
vote, and then ignores further notifications. Named abstractions: one election round (no
logical clock); zxids are the constant `zxids`; the network is a bag (any order); a
decision is immediate (FLE first waits finalizeWait for a better vote); with `lossy`, a
notification may be lost (a dropped connection), and there is no retransmission (FLE
resends after a timeout; left out to keep the space finite). It does not promise agreement (FLE alone does not: Zab's epoch
handshake does), so the invariant checked is that no server elects a leader worse than
itself, which holds, so every run explores the whole space: 175,624 states at n=3.

Every variant has the same actions, in the same order, doing the same work through the
shared helpers below; only reading fields and building the next state differ, each in
the idiom of its representation. That difference is what the benchmark measures.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import attrs

from checker import Spec, action, invariant, terminal
from checker.record import record
from spec.mechanics import bag_add_all, bag_distinct, bag_remove, set_at

NONE = -1  # no vote received / not decided


# -- the protocol, on field values -------------------------------------------------------------


def initial(n: int) -> tuple:
    """(vote, recv, net, leader): everyone votes for itself; those votes are in flight."""
    net = tuple(sorted((dst, src, src) for src in range(n) for dst in range(n) if dst != src))
    return tuple(range(n)), ((NONE,) * n,) * n, net, (NONE,) * n


def receive(spec: "VoteExchange", vote: tuple, recv: tuple, net: tuple, leader: tuple, m: tuple) -> tuple:
    """Deliver notification m = (dst, src, v): record it, and adopt and re-send v if better."""
    dst, src, v = m
    rest = bag_remove(net, m)
    if leader[dst] != NONE:  # decided: out of the election loop
        return vote, recv, rest
    recv = set_at(recv, dst, set_at(recv[dst], src, v))
    z = spec.zxids
    if (z[v], v) > (z[vote[dst]], vote[dst]):
        return set_at(vote, dst, v), recv, bag_add_all(rest, [(j, dst, v) for j in range(spec.n) if j != dst])
    return vote, recv, rest


def decided(spec: "VoteExchange", vote: tuple, recv: tuple, leader: tuple, i: int) -> tuple | None:
    """`leader` with server i's decision, if a quorum holds its vote and it has not decided."""
    if leader[i] != NONE:
        return None
    mine = vote[i]
    if 1 + sum(1 for j, r in enumerate(recv[i]) if j != i and r == mine) <= spec.n // 2:
        return None
    return set_at(leader, i, mine)


def no_worse(spec: "VoteExchange", leader: tuple) -> bool:
    z = spec.zxids
    return all(l == NONE or (z[l], l) >= (z[i], i) for i, l in enumerate(leader))


@attrs.frozen
class VoteExchange(Spec):
    """Constants shared by the variants."""

    n: int = 3
    zxids: tuple[int, ...] = (0, 0, 0)
    lossy: bool = True

    def servers(self, s):
        return range(self.n)


# -- 1. plain tuples: (vote, recv, net, leader), read by position --------------------------------


@attrs.frozen
class TupleVotes(VoteExchange):
    def init(self):
        yield initial(self.n)

    @action(m=lambda spec, s: bag_distinct(s[2]))
    def deliver(self, s, m):
        vote, recv, net = receive(self, s[0], s[1], s[2], s[3], m)
        return (vote, recv, net, s[3])

    @action(m=lambda spec, s: bag_distinct(s[2]) if spec.lossy else ())
    def lose(self, s, m):
        return (s[0], s[1], bag_remove(s[2], m), s[3])

    @action(i=VoteExchange.servers)
    def decide(self, s, i):
        leader = decided(self, s[0], s[1], s[3], i)
        return None if leader is None else (s[0], s[1], s[2], leader)

    @invariant
    def leader_no_worse(self, s):
        return no_worse(self, s[3])

    @terminal
    def quiet(self, s):
        return not s[2]


# -- 2-4. typing.NamedTuple: _replace, direct construction, and @record's replace ---------------


class NT(NamedTuple):
    vote: tuple[int, ...]
    recv: tuple[tuple[int, ...], ...]
    net: tuple[tuple[int, int, int], ...]
    leader: tuple[int, ...]


@record
class Rec(NamedTuple):
    vote: tuple[int, ...]
    recv: tuple[tuple[int, ...], ...]
    net: tuple[tuple[int, int, int], ...]
    leader: tuple[int, ...]


@attrs.frozen
class _Named(VoteExchange):
    """The invariant and terminal predicate of every variant whose fields are read by name."""

    @invariant
    def leader_no_worse(self, s):
        return no_worse(self, s.leader)

    @terminal
    def quiet(self, s):
        return not s.net


def _msgs(spec, s):
    return bag_distinct(s.net)


def _lost(spec, s):
    return bag_distinct(s.net) if spec.lossy else ()


# Each variant spells out its three actions so that each pays only for its own idiom.


@attrs.frozen
class NamedTupleReplace(_Named):
    def init(self):
        yield NT(*initial(self.n))

    @action(m=_msgs)
    def deliver(self, s, m):
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return s._replace(vote=vote, recv=recv, net=net)

    @action(m=_lost)
    def lose(self, s, m):
        return s._replace(net=bag_remove(s.net, m))

    @action(i=VoteExchange.servers)
    def decide(self, s, i):
        leader = decided(self, s.vote, s.recv, s.leader, i)
        return None if leader is None else s._replace(leader=leader)


@attrs.frozen
class NamedTupleDirect(_Named):
    def init(self):
        yield NT(*initial(self.n))

    @action(m=_msgs)
    def deliver(self, s, m):
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return NT(vote, recv, net, s.leader)

    @action(m=_lost)
    def lose(self, s, m):
        return NT(s.vote, s.recv, bag_remove(s.net, m), s.leader)

    @action(i=VoteExchange.servers)
    def decide(self, s, i):
        leader = decided(self, s.vote, s.recv, s.leader, i)
        return None if leader is None else NT(s.vote, s.recv, s.net, leader)


@attrs.frozen
class RecordReplace(_Named):
    def init(self):
        yield Rec(*initial(self.n))

    @action(m=_msgs)
    def deliver(self, s, m):
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return s.replace(vote=vote, recv=recv, net=net)

    @action(m=_lost)
    def lose(self, s, m):
        return s.replace(net=bag_remove(s.net, m))

    @action(i=VoteExchange.servers)
    def decide(self, s, i):
        leader = decided(self, s.vote, s.recv, s.leader, i)
        return None if leader is None else s.replace(leader=leader)


# -- 5-7. attrs frozen (evolve, direct) and dataclass(frozen=True) ------------------------------


@attrs.frozen
class AS:
    vote: tuple[int, ...]
    recv: tuple[tuple[int, ...], ...]
    net: tuple[tuple[int, int, int], ...]
    leader: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class DS:
    vote: tuple[int, ...]
    recv: tuple[tuple[int, ...], ...]
    net: tuple[tuple[int, int, int], ...]
    leader: tuple[int, ...]


@attrs.frozen
class AttrsEvolve(_Named):
    def init(self):
        yield AS(*initial(self.n))

    @action(m=_msgs)
    def deliver(self, s, m):
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return attrs.evolve(s, vote=vote, recv=recv, net=net)

    @action(m=_lost)
    def lose(self, s, m):
        return attrs.evolve(s, net=bag_remove(s.net, m))

    @action(i=VoteExchange.servers)
    def decide(self, s, i):
        leader = decided(self, s.vote, s.recv, s.leader, i)
        return None if leader is None else attrs.evolve(s, leader=leader)


@attrs.frozen
class AttrsDirect(_Named):
    def init(self):
        yield AS(*initial(self.n))

    @action(m=_msgs)
    def deliver(self, s, m):
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return AS(vote, recv, net, s.leader)

    @action(m=_lost)
    def lose(self, s, m):
        return AS(s.vote, s.recv, bag_remove(s.net, m), s.leader)

    @action(i=VoteExchange.servers)
    def decide(self, s, i):
        leader = decided(self, s.vote, s.recv, s.leader, i)
        return None if leader is None else AS(s.vote, s.recv, s.net, leader)


@attrs.frozen
class DataclassReplace(_Named):
    def init(self):
        yield DS(*initial(self.n))

    @action(m=_msgs)
    def deliver(self, s, m):
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return dataclasses.replace(s, vote=vote, recv=recv, net=net)

    @action(m=_lost)
    def lose(self, s, m):
        return dataclasses.replace(s, net=bag_remove(s.net, m))

    @action(i=VoteExchange.servers)
    def decide(self, s, i):
        leader = decided(self, s.vote, s.recv, s.leader, i)
        return None if leader is None else dataclasses.replace(s, leader=leader)


VARIANTS: dict[str, type[VoteExchange]] = {
    "tuple": TupleVotes,
    "NamedTuple _replace": NamedTupleReplace,
    "NamedTuple direct": NamedTupleDirect,
    "@record replace": RecordReplace,
    "attrs.frozen evolve": AttrsEvolve,
    "attrs.frozen direct": AttrsDirect,
    "dataclass(frozen) replace": DataclassReplace,
}
