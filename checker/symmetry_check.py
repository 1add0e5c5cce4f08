"""The self-check of a symmetry declaration (symmetry.py declares and generates the group).

Why: a declaration that is not a symmetry (an action that breaks ties by id, an id left
un-renamed in `permute`) silently merges states that behave differently, and the check then
passes on a state space it never explored. So the declaration is checked on the first
states reachable without symmetry before the search, and on a sample of the search's own
new states during it (deep asymmetries too), and a failure stops with a SpecError that
names the permutation, the state and what differed.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any, Callable, Sequence

from .errors import SpecError, spec_location
from .spec import InvariantFailed
from .successors import successors
from .symmetry import Perm

SAMPLE_STATES = 200  # states the self-check expands before the search
SAMPLE_EVERY = 500  # then one new state in this many (and the first of each level) during it
SAMPLE_PERMS = 8  # permutations tried: the generators first, then seeded random group elements
PERMS_PER_STATE = 2  # of those, tried on each sampled state in turn (each expansion costs)
ORBIT_BUDGET = 50_000  # permutations the check that canonical() merges no orbits may spend


class SymmetryCheck:
    """Checks a symmetry declaration on sampled states: that the tried permutations (up to
    SAMPLE_PERMS, PERMS_PER_STATE of them in turn on each state) map initial states to
    initial states, successors to successors and keep each invariant, constraint and
    terminal predicate's truth value (and, with canonical(), that it is one value per orbit).
    `fingerprint` is a state's plain fingerprint (hash, or hash of the view).

    Before the search, `before_search` expands the first states reachable without symmetry;
    during it, the search hands over its new states and `sample` checks one in SAMPLE_EVERY
    and the first of each level, so that an asymmetry that appears only deep in the state
    space (a counter reaching 300, then the last process is treated differently) is caught
    too. A failure raises SpecError naming the permutation, the state and what differed.
    States whose own evaluation raises are skipped: the search reports those itself.
    """

    def __init__(self, spec: Any, info: Any, group: Sequence[Perm], fingerprint: Callable[[Any], int]):
        self.spec, self.info, self.group, self.fingerprint = spec, info, group, fingerprint
        self.name = type(spec).__name__
        self.permute = _explained(spec.permute, self.name)
        rng = random.Random(0)
        rest = list(group[1:])
        half = SAMPLE_PERMS // 2
        self.perms = rest[:half] + rng.sample(rest[half:], min(len(rest) - half, SAMPLE_PERMS - half)) \
            if len(rest) > SAMPLE_PERMS else rest
        predicates = [(f"invariant {n}", f) for n, f in info.invariants.items()]
        predicates += [(f"constraint {getattr(c, '__name__', c)}", c) for c in info.constraints]
        predicates += [(f"terminal {getattr(t, '__name__', t)}", t) for t in info.terminals]
        self.predicates = predicates
        canonical = getattr(spec, "canonical", None)
        self.canonical = _explained_canonical(canonical, self.name) if callable(canonical) else None
        self.first_of: dict[Any, Any] = {}  # canonical fingerprint -> the orbit's fingerprints (or None: over budget)
        self.checked = 0  # states checked so far (each tries the next PERMS_PER_STATE permutations)
        self.countdown = SAMPLE_EVERY

    def broken(self, p: Perm, s: Any, what: str) -> SpecError:
        return SpecError(
            f"{self.name} declares a symmetry that is not one. In the state {s!r}, under the permutation {p!r}, "
            f"{what}. "
            f"A wrong declaration would merge states that behave differently and hide bugs, so the check stops. "
            f"Fix permute() (every symmetric id, in every variable and message, must be renamed) or drop from "
            f"symmetry() the ids the protocol tells apart (ties broken by id, a fixed coordinator), or pass "
            f"symmetry=False to check without it."
        )

    def before_search(self, samples: int = SAMPLE_STATES) -> None:
        spec, fingerprint, permute = self.spec, self.fingerprint, self.permute
        try:
            inits = list(spec.init())
            init_fps = {fingerprint(s) for s in inits}
        except Exception:
            return
        for p in self.perms:
            for s in inits:
                if fingerprint(permute(s, p)) not in init_fps:
                    raise self.broken(p, s, f"the initial state maps to {permute(s, p)!r}, which is not an initial state")
        n_inv, n_con = len(self.info.invariants), len(self.info.constraints)
        seen, queue, expanded = {fingerprint(s) for s in inits}, deque(inits), 0
        while queue and expanded < samples:
            s = queue.popleft()
            expanded += 1
            checked = self.check_state(s)
            if checked is None:
                continue
            truth, succ = checked
            if not all(truth[n_inv:n_inv + n_con]):
                continue  # a state failing a constraint is not expanded by the search either
            for t in succ:
                h = fingerprint(t)
                if h not in seen:
                    seen.add(h)
                    queue.append(t)

    def sample(self, states: Sequence[Any], level_start: bool) -> None:
        """Check the first of a level's new states and one in SAMPLE_EVERY of all of them."""
        if level_start and states:
            self.check_state(states[0])
        self.countdown -= len(states)
        while self.countdown <= 0:
            self.check_state(states[self.countdown + len(states) - 1])
            self.countdown += SAMPLE_EVERY

    def check_state(self, s: Any) -> tuple[list[bool], list[Any]] | None:
        """Check `s` under the next permutations; its predicate values and successors, or None
        if evaluating `s` itself raises (the search reports that)."""
        spec, info, fingerprint, permute, perms = self.spec, self.info, self.fingerprint, self.permute, self.perms
        self.checked += 1
        try:
            truth = [_holds(f, spec, s) for _, f in self.predicates]
            succ = [t for _, _, t in successors(info, spec, s)]
        except Exception:
            return None
        if self.canonical is not None:
            _check_canonical(self.permute, self.canonical, self.group, fingerprint, s, perms, self.first_of, self.broken)
        for k in range(min(PERMS_PER_STATE, len(perms))):
            p = perms[(self.checked * PERMS_PER_STATE + k) % len(perms)]
            ps = permute(s, p)
            if type(ps) is not type(s):
                raise self.broken(p, s, f"permute() returned a {type(ps).__name__}, not a {type(s).__name__}")
            try:
                ptruth = [_holds(f, spec, ps) for _, f in self.predicates]
                psucc_fps = {fingerprint(t) for _, _, t in successors(info, spec, ps)}
            except SpecError:
                raise
            except Exception as exc:
                raise self.broken(p, s, f"the permuted state {ps!r} raises {type(exc).__name__}: {exc}") from None
            for (what, _), a, b in zip(self.predicates, truth, ptruth):
                if a != b:
                    raise self.broken(p, s, f"{what} is {a} in the state but {b} in the permuted state {ps!r}")
            mapped = {fingerprint(permute(t, p)): t for t in succ}
            if set(mapped) != psucc_fps:
                lost = [permute(t, p) for f, t in mapped.items() if f not in psucc_fps]
                extra = len(psucc_fps - set(mapped))
                detail = (f"the permuted image {lost[0]!r} of a successor is not a successor of the permuted state"
                          if lost else f"the permuted state has {extra} successor(s) that are no image of a successor")
                raise self.broken(p, s, f"{detail} (permuted state: {ps!r})")
        return truth, succ


def self_check(spec: Any, info: Any, group: Sequence[Perm], fingerprint: Callable[[Any], int],
               samples: int = SAMPLE_STATES) -> SymmetryCheck:
    """Check the declaration on the first `samples` states reachable without symmetry, and
    return the check, for the search to go on sampling its new states with."""
    check = SymmetryCheck(spec, info, group, fingerprint)
    check.before_search(samples)
    return check


def _explained(permute: Callable[[Any, Perm], Any], name: str) -> Callable[[Any, Perm], Any]:
    """permute() as the self-check calls it: an exception in it is a broken declaration,
    explained in one paragraph rather than a traceback out of the checker."""
    def call(s: Any, p: Perm) -> Any:
        try:
            return permute(s, p)
        except Exception as exc:
            where = spec_location(exc)
            raise SpecError(
                f"{name}.permute() raised {type(exc).__name__}: {exc}{f' ({where})' if where else ''} for the state "
                f"{s!r} and the permutation {p!r}. permute(self, state, perm) must return the state with every "
                "symmetric id i renamed to perm[i], for every state and every permutation of symmetry(); fix it, or "
                "check without symmetry (--no-symmetry, or symmetry=False)."
            ) from None
    return call


def _explained_canonical(canonical: Callable[[Any], Any], name: str) -> Callable[[Any], Any]:
    """canonical() as the self-check calls it (see _explained)."""
    def call(s: Any) -> Any:
        try:
            return canonical(s)
        except Exception as exc:
            where = spec_location(exc)
            raise SpecError(
                f"{name}.canonical() raised {type(exc).__name__}: {exc}{f' ({where})' if where else ''} for the state "
                f"{s!r}. canonical(self, state) must return one representative of the state's orbit for every "
                "reachable state; fix it, or delete it (the engine then takes the least image over the group), or "
                "check without symmetry (--no-symmetry, or symmetry=False)."
            ) from None
    return call


def _holds(predicate: Callable, spec: Any, s: Any) -> bool:
    try:
        return bool(predicate(spec, s))
    except InvariantFailed:
        return False


def _check_canonical(permute: Callable[[Any, Perm], Any], canonical: Callable, group: Sequence[Perm], fingerprint: Callable[[Any], int],
                     s: Any, perms: Sequence[Perm], first_of: dict[Any, Any], broken: Callable) -> None:
    """canonical() is one value per orbit: the same for every image of s, and shared with
    an earlier sampled state only if that state is in s's orbit."""
    c = fingerprint(canonical(s))
    for p in perms:
        ps = permute(s, p)
        if fingerprint(canonical(ps)) != c:
            raise broken(p, s, f"canonical() of the permuted state {ps!r} is {canonical(ps)!r}, not "
                               f"{canonical(s)!r} as for the state itself")
    if c not in first_of:  # the orbit of the first state with this canonical value, while the budget lasts
        spent = first_of.get("spent", 0) + len(group)
        first_of["spent"] = spent
        first_of[c] = (s, {fingerprint(permute(s, g)) for g in group}) if spent <= ORBIT_BUDGET else None
    elif first_of[c] is not None and fingerprint(s) not in first_of[c][1]:
        raise broken(group[0], s, f"canonical() gives {canonical(s)!r} both for it and for {first_of[c][0]!r}, "
                                  f"which no permutation of the group maps to it: two orbits would be merged")


