"""Randomised cross-check of the liveness engine against the brute-force oracle.

Each case is a random transition table over at most 6 states: a parameterised action `a(k)`
with random fairness (none, weak or strong, as a whole or per instance), an action `b`
with random fairness, an unfair environment `c(j)`, random initial states, a random P and
trigger, and one of the four forms. Table entries may yield the state itself (a stutter,
so not enabled) and may coincide across actions (one step taking several actions); states
without successors stutter forever (deadlock=False). The engine's verdict must be the
oracle's (liveness_oracle.py, which tries every candidate set of recurring states), its
counterexample a fair lasso that violates the property, and its vacuity report the
oracle's. Seeded: the same 200 cases every run.
"""

from __future__ import annotations

import random
from typing import NamedTuple

import attrs
import pytest

from checker import Spec, action, always_eventually, check, eventually, eventually_always, leads_to
from liveness_oracle import (Graph, fair_counterexample_exists, lasso_problem, oracle_vacuous, oracle_verdicts,
                             property_instances)

FORMS = {"ev": "eventually", "inf": "always_eventually", "stab": "eventually_always", "lt": "leads_to"}


class Cell(NamedTuple):
    x: int


def _pick(moves: tuple, x: int) -> Cell | None:
    return None if moves[x] < 0 else Cell(moves[x])


def table_spec_class(fair_a: str | None, each_a: bool, fair_b: str | None) -> type:
    """A spec class over a transition table given as constants, with this fairness."""

    @attrs.frozen
    class Table(Spec):
        inits: tuple = (0,)
        a_moves: tuple = ()  # a_moves[k][x]: the state a(k) yields from x, -1 when disabled
        b_moves: tuple = ()
        c_moves: tuple = ()  # the unfair environment c(j)
        p_set: frozenset = frozenset()
        t_set: frozenset = frozenset()

        def init(self):
            for x in self.inits:
                yield Cell(x)

        # Only the instances that move from s, as a list: an instance is one by its value,
        # not by its position in a domain (which differs from state to state here).
        @action(k=lambda spec, s: [k for k, moves in enumerate(spec.a_moves) if moves[s.x] >= 0],
                fair=fair_a, each=each_a)
        def a(self, s, k):
            return _pick(self.a_moves[k], s.x)

        @action(fair=fair_b)
        def b(self, s):
            return _pick(self.b_moves, s.x)

        @action(j=lambda spec, s: range(len(spec.c_moves)))
        def c(self, s, j):
            return _pick(self.c_moves[j], s.x)

        @eventually
        def ev(self, s):
            return s.x in self.p_set

        @always_eventually
        def inf(self, s):
            return s.x in self.p_set

        @eventually_always
        def stab(self, s):
            return s.x in self.p_set

        @leads_to(lambda spec, s: s.x in spec.t_set)
        def lt(self, s):
            return s.x in self.p_set

    Table.__name__ = Table.__qualname__ = f"Table_a_{fair_a}{'_each' if each_a else ''}_b_{fair_b}"
    return Table


FAIRNESS_A = [(None, False), ("weak", False), ("weak", True), ("strong", False), ("strong", True)]
CLASSES = {(fa, ea, fb): table_spec_class(fa, ea, fb) for fa, ea in FAIRNESS_A for fb in (None, "weak", "strong")}


def random_case(rng: random.Random) -> tuple[Spec, str]:
    """Half uniform tables; half a fair ring `b` over some states with exits by `a` (where
    whether `a` must be taken, weak or strong, whole or per instance, decides the verdict)."""
    n = rng.randint(2, 6) if rng.random() < 0.5 else -rng.randint(3, 6)
    ring = n < 0
    n = abs(n)

    def table(density: float) -> tuple:
        return tuple(rng.randrange(n) if rng.random() < density else -1 for _ in range(n))

    if ring:
        on = rng.sample(range(n), rng.randint(2, n - 1))
        off = [x for x in range(n) if x not in on]
        b_moves = tuple(on[(on.index(x) + 1) % len(on)] if x in on else -1 for x in range(n))

        def a_table() -> tuple:
            return tuple((rng.choice(off) if rng.random() < 0.6 else rng.choice(on)) if x in on and rng.random() < 0.7
                         else rng.randrange(n) if x not in on and rng.random() < 0.5 else -1 for x in range(n))

        fa, ea = rng.choice(FAIRNESS_A[1:])
        cls = CLASSES[(fa, ea, rng.choice(("weak", "strong")))]
        a_moves, p = tuple(a_table() for _ in range(rng.randint(1, 2))), lambda x: rng.random() < (0.7 if x in off else 0.1)
    else:
        fa, ea = rng.choice(FAIRNESS_A[1:] * 3 + FAIRNESS_A[:1])  # mostly fair: fairness is what is tested
        cls = CLASSES[(fa, ea, rng.choice((None, "weak", "weak", "strong", "strong")))]
        a_moves, b_moves, p = tuple(table(0.6) for _ in range(rng.randint(1, 2))), table(0.6), lambda x: rng.random() < 0.4
    spec = cls(
        inits=tuple(sorted(rng.sample(range(n), rng.randint(1, min(2, n))))),
        a_moves=a_moves,
        b_moves=b_moves,
        c_moves=tuple(table(0.35) for _ in range(rng.randint(0, 1 if ring else 2))),
        p_set=frozenset(x for x in range(n) if p(x)),
        t_set=frozenset(x for x in range(n) if rng.random() < 0.5),
    )
    return spec, rng.choice(list(FORMS))


def refairness(spec: Spec, change) -> Spec:
    """The same tables under other fairness: change(fair_a, each_a, fair_b) -> the new triple."""
    key = next(k for k, c in CLASSES.items() if c is type(spec))
    return CLASSES[change(*key)](**attrs.asdict(spec, recurse=False))


VARIANTS = {  # what would change the verdict: the case then tests that point of the semantics
    "fairness": lambda fa, ea, fb: (None, False, None),
    "strength": lambda fa, ea, fb: ("weak" if fa else None, ea, "weak" if fb else None),
    "each": lambda fa, ea, fb: (fa, not ea if fa else False, fb),
}


def batch(seed: int, size: int = 50, quota: int = 6) -> list[tuple[Spec, str, set[str]]]:
    """`size` cases, of which at least `quota` whose verdict weak vs strong fairness decides
    and `quota` whose verdict fairness per instance vs per action decides (chosen by the
    oracle among random cases: uniform cases rarely hinge on those)."""
    rng, cases, wanted = random.Random(seed), [], {"strength": quota, "each": quota}
    for _ in range(20_000):
        spec, prop = random_case(rng)
        holds = oracle_verdicts(spec)[prop]
        decides = {k for k, change in VARIANTS.items() if oracle_verdicts(refairness(spec, change))[prop] != holds}
        needed = [k for k in wanted if wanted[k] and k in decides]
        if needed or len(cases) < size - sum(wanted.values()):
            for k in needed:
                wanted[k] -= 1
            cases.append((spec, prop, decides))
        if len(cases) == size:
            return cases
    raise AssertionError(f"the generator found too few cases where fairness strength or instances matter: {wanted}")


def disagreements(seed: int, count: int) -> tuple[list[str], dict[str, int]]:
    bad, tally = [], {"holds": 0, "violated": 0, "fairness": 0, "strength": 0, "each": 0}
    for i, (spec, prop, decides) in enumerate(batch(seed, count)):
        g = Graph(spec)
        form, p, t = property_instances(spec)[prop]
        expected_holds = not fair_counterexample_exists(g, form, p, t)
        where = f"case {seed}/{i}: {type(spec).__name__}{attrs.asdict(spec)} property {prop} ({form})"
        tally["holds" if expected_holds else "violated"] += 1
        for k in decides:
            tally[k] += 1
        try:
            r = check(spec, properties=[prop], deadlock=False)
        except Exception as exc:  # one crash must not hide the other cases' verdicts
            bad.append(f"{where}: check() raised {type(exc).__name__}: {exc}")
            continue
        if expected_holds and r.status != "ok":
            bad.append(f"{where}: the oracle says it holds, check() says {r.status}"
                       + (f" ({r.violation.kind} {r.violation.name}: {[s.state.x for s in r.violation.trace]}, "
                          f"loop={r.violation.loop})" if r.violation else ""))
        elif not expected_holds and (r.status != "violation" or r.violation.kind != "liveness"):
            bad.append(f"{where}: the oracle finds a fair counterexample, check() says {r.status}")
        elif not expected_holds:
            why = lasso_problem(spec, r.violation)
            if why:
                bad.append(f"{where}: the counterexample {[s.state.x for s in r.violation.trace]} "
                           f"loop={r.violation.loop} is wrong: {why}")
        vacuous = prop in oracle_vacuous(spec)
        if vacuous != (prop in r.vacuous):
            bad.append(f"{where}: vacuous should be {vacuous}, CheckResult.vacuous = {r.vacuous}")
    return bad, tally


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_engine_agrees_with_the_brute_force_oracle(seed):
    bad, tally = disagreements(seed, 50)
    assert not bad, f"{len(bad)} of 50 disagree:\n" + "\n".join(bad[:10])
    # Both verdicts occur, and in many cases the verdict would be the other one without the
    # fairness, with weak instead of strong, or with fairness per action instead of per instance.
    assert tally["holds"] >= 10 and tally["violated"] >= 10 and tally["fairness"] >= 10, tally
    assert tally["strength"] >= 6 and tally["each"] >= 6, tally
