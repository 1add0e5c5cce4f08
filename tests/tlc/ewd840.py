"""Port of specifications/ewd840/EWD840.tla (EWD840.cfg with N = 3): Dijkstra's termination
detection on a ring. INVARIANTS TypeOK TerminationDetection Inv, PROPERTIES Liveness (TDSpec,
a refinement, is not ported), CHECK_DEADLOCK FALSE. TLC: 302 / 2001 / 9, ok.

Fairness: the spec has WF_vars(System), System == InitiateProbe \\/ \\E i: PassToken(i); here
each of the two actions is weakly fair as a whole. The same behaviours are fair: only
System moves the token, and which of the two is enabled depends on where the token is, so
System stays enabled without being taken exactly when one of the two does.

Node i is index i. SendMsg(i) is one successor per receiver j; activating an already
active j < i changes nothing, a stuttering successor that TLC generates too.

TLC branches on every true disjunct of a disjunction in an action, so the guards of
InitiateProbe (2 disjuncts) and PassToken (3) generate one successor per true disjunct:
the `why` parameter is the disjunct. Without it the count is 1817, not TLC's 2001.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

import attrs

from checker import Spec, action, eventually, fail, invariant, leads_to
from spec.mechanics import set_at


class EState(NamedTuple):
    active: tuple[bool, ...]
    color: tuple[str, ...]  # "white" | "orange"
    tpos: int
    tcolor: str


def _nodes(spec, s):
    return range(spec.n)


@attrs.frozen
class EWD840(Spec):
    n: int = 3

    def init(self):
        for active, color, tpos in product(
            product((False, True), repeat=self.n), product(("white", "orange"), repeat=self.n), range(self.n)
        ):
            yield EState(active, color, tpos, "orange")

    @action(why=lambda spec, s: (0, 1), fair="weak")
    def initiate_probe(self, s, why):
        if s.tpos != 0 or not (s.tcolor == "orange", s.color[0] == "orange")[why]:
            return None
        return s._replace(tpos=self.n - 1, tcolor="white", color=set_at(s.color, 0, "white"))

    @action(i=lambda spec, s: range(1, spec.n), why=lambda spec, s: (0, 1, 2), fair="weak")
    def pass_token(self, s, i, why):
        if s.tpos != i or not (not s.active[i], s.color[i] == "orange", s.tcolor == "orange")[why]:
            return None
        tcolor = "orange" if s.color[i] == "orange" else s.tcolor
        return s._replace(tpos=i - 1, tcolor=tcolor, color=set_at(s.color, i, "white"))

    @action(i=_nodes, j=_nodes)
    def send_msg(self, s, i, j):
        if i == j or not s.active[i]:
            return None
        color = set_at(s.color, i, "orange") if j > i else s.color
        return s._replace(active=set_at(s.active, j, True), color=color)

    @action(i=_nodes)
    def deactivate(self, s, i):
        if not s.active[i]:
            return None
        return s._replace(active=set_at(s.active, i, False))

    @invariant(name="TypeOK")
    def type_ok(self, s):
        ok = all(c in ("white", "orange") for c in s.color) and 0 <= s.tpos < self.n and s.tcolor in ("white", "orange")
        return ok or fail(f"{s}")

    @invariant(name="TerminationDetection")
    def termination_detection(self, s):
        detected = s.tpos == 0 and s.tcolor == "white" and s.color[0] == "white" and not s.active[0]
        return not detected or not any(s.active) or fail(f"termination detected while active={s.active}")

    @invariant(name="Inv")
    def inv(self, s):
        p0 = all(not s.active[i] for i in range(s.tpos + 1, self.n))
        p1 = any(s.color[j] == "orange" for j in range(s.tpos + 1))
        return p0 or p1 or s.tcolor == "orange" or fail(f"{s}")

    @leads_to(lambda spec, s: not any(s.active), name="Liveness")
    def termination_detected(self, s):
        return s.tpos == 0 and s.tcolor == "white" and s.color[0] == "white" and not s.active[0]


@attrs.frozen
class EWD840EventuallyTerminated(EWD840):
    """<>terminated (EWDLive.tla) is not promised: the environment is not fair."""

    @eventually(name="EventuallyTerminated")
    def terminated(self, s):
        return not any(s.active)
