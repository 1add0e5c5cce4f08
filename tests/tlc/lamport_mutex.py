"""Port of specifications/lamport_mutex/LamportMutex.tla via MCLamportMutex.tla / .cfg:
N = 3, maxClock = 6, Nat <- 0..7, CONSTRAINT ClockConstraint, INVARIANTS TypeOK
BoundedNetwork Mutex, deadlock checked. TLC: 724274 / 2729079 / 61, ok (20 s: a bench,
not a test). Text read from a typed copy that cites the tlaplus/Examples original
(LamportMutex.tla itself is not in the searchable index); TLC's counts confirm it.

Process p is index p-1 (so the tie-break `p < q` keeps its order). network[p][q] is the
FIFO channel from p to q, a tuple of ("req", c) | ("ack", 0) | ("rel", 0). Enter's guard
`\\A q : beats(p, q)` would give one successor per combination of true disjuncts of beats,
but with req[p][p] >= 1 (p has requested) its three disjuncts exclude each other.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from checker import Spec, action, constraint, fail, invariant
from spec.mechanics import set_at


class LMState(NamedTuple):
    clock: tuple[int, ...]
    req: tuple[tuple[int, ...], ...]
    ack: tuple[frozenset, ...]
    crit: frozenset
    network: tuple[tuple[tuple, ...], ...]


def _procs(spec, s):
    return range(spec.n)


def _pairs(spec, s):
    return [(p, q) for p in range(spec.n) for q in range(spec.n) if q != p]


def _set2(t: tuple, i: int, j: int, v) -> tuple:
    return set_at(t, i, set_at(t[i], j, v))


@attrs.frozen
class LamportMutex(Spec):
    n: int = 3
    max_clock: int = 6
    max_nat: int = 7

    def init(self):
        n = self.n
        yield LMState((1,) * n, ((0,) * n,) * n, (frozenset(),) * n, frozenset(), (((),) * n,) * n)

    def beats(self, s, p, q) -> bool:
        r = s.req[p]
        return r[q] == 0 or r[p] < r[q] or (r[p] == r[q] and p < q)

    def broadcast(self, s, p, m) -> tuple:
        return tuple(ch if r == p else ch + (m,) for r, ch in enumerate(s.network[p]))

    @action(p=_procs)
    def request(self, s, p):
        if s.req[p][p] != 0:
            return None
        c = s.clock[p]
        return s._replace(
            req=_set2(s.req, p, p, c),
            network=set_at(s.network, p, self.broadcast(s, p, ("req", c))),
            ack=set_at(s.ack, p, frozenset({p})),
        )

    @action(p=_procs)
    def enter(self, s, p):
        if s.ack[p] != frozenset(range(self.n)) or not all(self.beats(s, p, q) for q in range(self.n) if q != p):
            return None
        return s._replace(crit=s.crit | {p})

    @action(p=_procs)
    def exit(self, s, p):
        if p not in s.crit:
            return None
        return s._replace(
            crit=s.crit - {p},
            network=set_at(s.network, p, self.broadcast(s, p, ("rel", 0))),
            req=_set2(s.req, p, p, 0),
            ack=set_at(s.ack, p, frozenset()),
        )

    @action(pq=_pairs)
    def receive_request(self, s, pq):
        p, q = pq
        ch = s.network[q][p]
        if not ch or ch[0][0] != "req":
            return None
        c = ch[0][1]
        net = _set2(s.network, q, p, ch[1:])
        net = _set2(net, p, q, net[p][q] + (("ack", 0),))
        clock = set_at(s.clock, p, c + 1 if c > s.clock[p] else s.clock[p] + 1)
        return s._replace(req=_set2(s.req, p, q, c), clock=clock, network=net)

    @action(pq=_pairs)
    def receive_ack(self, s, pq):
        p, q = pq
        ch = s.network[q][p]
        if not ch or ch[0][0] != "ack":
            return None
        return s._replace(ack=set_at(s.ack, p, s.ack[p] | {q}), network=_set2(s.network, q, p, ch[1:]))

    @action(pq=_pairs)
    def receive_release(self, s, pq):
        p, q = pq
        ch = s.network[q][p]
        if not ch or ch[0][0] != "rel":
            return None
        return s._replace(req=_set2(s.req, p, q, 0), network=_set2(s.network, q, p, ch[1:]))

    @constraint
    def clock_constraint(self, s):
        return all(c <= self.max_clock for c in s.clock)

    @invariant(name="TypeOK")
    def type_ok(self, s):
        clocks = range(1, self.max_nat + 1)  # Clock == Nat \ {0} with Nat <- 0..MaxNat
        ok = all(c in clocks for c in s.clock) and all(0 <= x <= self.max_nat for r in s.req for x in r)
        return ok or fail(f"clock={s.clock} req={s.req}")

    @invariant(name="BoundedNetwork")
    def bounded_network(self, s):
        return all(len(ch) <= 3 for row in s.network for ch in row) or fail("a channel holds more than 3 messages")

    @invariant(name="Mutex")
    def mutex(self, s):
        return len(s.crit) <= 1 or fail(f"processes {sorted(p + 1 for p in s.crit)} are all in the critical section")
