"""Symmetry reduction: one state per orbit, the same verdicts, real traces, and a self-check
that refuses a declaration that is not a symmetry."""

from __future__ import annotations

from typing import NamedTuple

import attrs
import pytest

from checker import Spec, SpecError, action, check, describe, fail, invariant
from checker.fingerprint import fingerprint_function
from checker.symmetry import (
    declared_group, orbit_count, permutations_of, reachable_states, rename, reindex, rename_all, sorting_permutation,
    swaps_of,
)
from spec.mechanics import set_at
from tlc.voting import MCVotingSymmetric, Voting


class LockState(NamedTuple):
    pc: tuple  # per client: 'idle' | 'want' | 'cs'
    owner: int  # client holding the lock, -1: free
    waiting: frozenset  # clients whose request the lock server has queued


@attrs.frozen
class LockService(Spec):
    """Clients ask a lock server for one lock; the server grants any queued request."""

    n: int = 3
    mode: str = "correct"  # 'buggy': the server grants without checking that the lock is free

    def init(self):
        yield LockState(("idle",) * self.n, -1, frozenset())

    @action(i=lambda spec, s: range(spec.n))
    def request(self, s, i):
        if s.pc[i] != "idle":
            return None
        return LockState(set_at(s.pc, i, "want"), s.owner, s.waiting | {i})

    @action(i=lambda spec, s: s.waiting)
    def grant(self, s, i):
        if s.owner != -1 and self.mode != "buggy":
            return None
        return LockState(set_at(s.pc, i, "cs"), i, s.waiting - {i})

    @action(i=lambda spec, s: range(spec.n))
    def release(self, s, i):
        if s.pc[i] != "cs":
            return None
        return LockState(set_at(s.pc, i, "idle"), -1 if s.owner == i else s.owner, s.waiting)

    @invariant
    def mutual_exclusion(self, s):
        inside = [i for i, pc in enumerate(s.pc) if pc == "cs"]
        return len(inside) <= 1 or fail(f"clients {inside} are all in the critical section")

    @invariant
    def owner_inside(self, s):
        return s.owner == -1 or s.pc[s.owner] == "cs" or fail(f"owner {s.owner} is {s.pc[s.owner]}")


@attrs.frozen
class SymmetricLocks(LockService):
    """Clients are interchangeable: nothing in the protocol looks at a client's id."""

    def symmetry(self):
        return permutations_of(self.n)

    def permute(self, s, p):
        return LockState(reindex(s.pc, p), rename(s.owner, p), rename_all(s.waiting, p))


@attrs.frozen
class LowestIdFirst(SymmetricLocks):
    """Wrong declaration: the server breaks ties by id (grants the lowest waiting client)."""

    @action(i=lambda spec, s: s.waiting)
    def grant(self, s, i):
        if s.owner != -1 or i != min(s.waiting):
            return None
        return LockState(set_at(s.pc, i, "cs"), i, s.waiting - {i})


@attrs.frozen
class ForgetsOwner(SymmetricLocks):
    """Wrong declaration: permute() does not rename the id held in `owner`."""

    def permute(self, s, p):
        return LockState(reindex(s.pc, p), s.owner, rename_all(s.waiting, p))


def replays(spec, trace) -> bool:
    """A user's replay: from the first state, each step's action with its arguments gives the next state."""
    assert trace[0].state in set(spec.init())
    for before, step in zip(trace, trace[1:]):
        if getattr(spec, step.name)(before.state, **step.args) != step.state:
            return False
    return True


@pytest.mark.parametrize("spec", [SymmetricLocks(n=3), SymmetricLocks(n=4), MCVotingSymmetric()], ids=repr)
def test_reduced_count_is_the_number_of_orbits(spec):
    full = check(spec, deadlock=False, symmetry=False)
    reduced = check(spec, deadlock=False)
    states = reachable_states(spec)
    assert full.distinct_states == len(states)
    assert reduced.distinct_states == orbit_count(states, spec) < full.distinct_states
    assert (reduced.status, reduced.depth) == (full.status, full.depth) == ("ok", full.depth)
    assert reduced.symmetry == len(declared_group(spec)) and full.symmetry == 0


def test_mcvoting_matches_tlc_with_and_without_symmetry():
    with_sym = check(MCVotingSymmetric(acceptors=3, values=2, max_ballot=1), deadlock=False)
    without = check(MCVotingSymmetric(acceptors=3, values=2, max_ballot=1), deadlock=False, symmetry=False)
    assert (with_sym.status, with_sym.distinct_states, with_sym.generated_states, with_sym.depth) == ("ok", 77, 451, 11)
    assert (without.status, without.distinct_states, without.generated_states, without.depth) == ("ok", 599, 3124, 11)
    assert with_sym.symmetry == 12  # Permutations(Acceptor) \cup Permutations(Value), closed: 3! * 2!


def test_counterexample_under_symmetry_is_a_real_shortest_trace():
    spec = SymmetricLocks(n=3, mode="buggy")
    reduced, full = check(spec), check(spec, symmetry=False)
    assert reduced.status == full.status == "violation"
    assert reduced.violation.name == "mutual_exclusion"
    assert len(reduced.violation.trace) == len(full.violation.trace) == 5  # request, request, grant, grant
    assert replays(spec, reduced.violation.trace)
    assert reduced.distinct_states <= full.distinct_states


def test_generators_are_closed_into_the_group():
    @attrs.frozen
    class BySwaps(SymmetricLocks):
        def symmetry(self):
            return swaps_of(self.n)

    assert len(declared_group(BySwaps(n=4))) == 24
    assert check(BySwaps(n=4), deadlock=False).distinct_states == check(SymmetricLocks(n=4), deadlock=False).distinct_states


def test_ties_broken_by_id_are_caught_by_the_self_check():
    with pytest.raises(SpecError, match=r"not one\. In the state .*, under the permutation \(.*\), the permuted "
                       r"image .* of a successor is not a successor of the permuted state"):
        check(LowestIdFirst(n=3), deadlock=False)
    assert check(LowestIdFirst(n=3), deadlock=False, symmetry=False).ok  # the protocol itself is fine


def test_an_id_left_unrenamed_is_caught_by_the_self_check():
    with pytest.raises(SpecError, match=r"not one\. In the state .*owner=.*, under the permutation \(\d, \d, \d\)"):
        check(ForgetsOwner(n=3), deadlock=False)


def test_malformed_permutations_are_refused():
    @attrs.frozen
    class NotAPermutation(SymmetricLocks):
        def symmetry(self):
            return [(0, 0, 1)]

    with pytest.raises(SpecError, match=r"permutations of 0..k-1"):
        check(NotAPermutation(n=3))


def test_no_declaration_costs_nothing():
    spec = LockService(n=3)
    assert fingerprint_function(spec, describe(type(spec))).plain  # the loop inlines hash(state) itself
    assert check(spec, deadlock=False).symmetry == 0
    assert declared_group(Voting()) is None


def test_bundled_models_declared_symmetric_keep_their_verdicts_and_count_orbits():
    """The subclasses bench/symmetry.py declares for the bundled models: same verdict, same
    shortest trace length, and one state per orbit."""
    from bench.symmetry import KafkaControllerSymmetric, TwoPhaseSymmetric

    spec = TwoPhaseSymmetric(rms=4)
    reduced = check(spec)
    assert reduced.ok and reduced.distinct_states == orbit_count(reachable_states(spec), spec) == 166  # of 1568 without symmetry
    zombie = KafkaControllerSymmetric(brokers=3, controller_epoch_fencing=False)
    plain, reduced = check(zombie, symmetry=False), check(zombie)
    assert plain.violation.name == reduced.violation.name
    assert len(plain.violation.trace) == len(reduced.violation.trace)
    assert replays(zombie, reduced.violation.trace)


def test_canonical_representative_counts_the_same_orbits():
    from bench.symmetry import TwoPhaseSorted

    spec = TwoPhaseSorted(rms=4)
    assert check(spec).distinct_states == orbit_count(reachable_states(spec), spec) == 166


def test_a_canonical_that_depends_on_ids_is_caught():
    from bench.symmetry import TwoPhaseSorted

    @attrs.frozen
    class SortsByStateOnly(TwoPhaseSorted):
        """Ties between RMs in the same state are left in id order: not the same across an orbit."""

        def canonical(self, s):
            return self.permute(s, sorting_permutation(s.rm_state))

    with pytest.raises(SpecError, match=r"canonical\(\) of the permuted state .* is .*, not .* as for the state itself"):
        check(SortsByStateOnly(rms=3))


def test_a_canonical_that_merges_orbits_is_caught():
    from bench.symmetry import TwoPhaseSorted

    @attrs.frozen
    class ForgetsPrepared(TwoPhaseSorted):
        """Drops the TM's record of Prepared messages: states the TM tells apart look alike."""

        def canonical(self, s):
            s = s._replace(prepared=(False,) * self.rms)
            return self.permute(s, sorting_permutation(list(zip(s.rm_state, s.sent_prepared))))

    with pytest.raises(SpecError, match=r"canonical\(\) gives .* both for it and for .*: two orbits would be merged"):
        check(ForgetsPrepared(rms=3))


def test_consumer_group_members_are_not_interchangeable():
    """The range assignor gives partition 0 to the lowest member id: a member symmetry is refused."""
    from bench.symmetry import ConsumerGroupMembersClaimed

    with pytest.raises(SpecError, match=r"joined=\(0, 1\).*under the permutation \(1, 0\).*assignment=\(1, 0\)"):
        check(ConsumerGroupMembersClaimed())


def test_parallel_search_reduces_by_the_same_orbits():
    from bench.symmetry import KafkaControllerSymmetric

    spec = KafkaControllerSymmetric(brokers=3, controller_epoch_fencing=False)
    one, two = check(spec), check(spec, workers=2)
    assert (two.status, two.distinct_states, two.generated_states, two.depth, two.symmetry) == (
        one.status, one.distinct_states, one.generated_states, one.depth, one.symmetry) == ("violation", 762, 1675, 8, 6)
    assert len(two.violation.trace) == len(one.violation.trace) and replays(spec, two.violation.trace)


@attrs.frozen
class LateFavourite(Spec):
    """Processes look interchangeable until a counter reaches 300; then only the last may act.
    The self-check before the search expands 200 states and sees nothing wrong."""

    n: int = 3

    def init(self):
        yield (0, (False,) * self.n)

    @action
    def tick(self, s):
        return (s[0] + 1, s[1]) if s[0] < 300 else None

    @action(i=lambda spec, s: range(spec.n))
    def act(self, s, i):
        if s[0] < 300 or i != self.n - 1 or s[1][i]:
            return None
        return (s[0], s[1][:i] + (True,) + s[1][i + 1:])

    def symmetry(self):
        return permutations_of(self.n)

    def permute(self, s, p):
        return (s[0], reindex(s[1], p))


@pytest.mark.parametrize("workers", [1, 2])
def test_an_asymmetry_deep_in_the_search_is_caught(workers):
    with pytest.raises(SpecError, match=r"declares a symmetry that is not one. In the state \(300, \(False, False, False\)\)"):
        check(LateFavourite(), deadlock=False, workers=workers)
    assert check(LateFavourite(), deadlock=False, symmetry=False).distinct_states == 302


def test_sampling_during_the_search_checks_every_level():
    from checker.search import Search

    search = Search(LateFavourite(), deadlock=False, max_depth=250)  # stops before the asymmetry
    r = search.run()
    assert (r.status, r.depth) == ("incomplete", 250)
    # 200 states before the search, then the first new state of each of the 249 later levels
    assert search.symmetry_check.checked == 200 + 249


@attrs.frozen
class CanonicalRaises(Spec):
    """canonical() fails on one reachable state: a broken declaration, explained."""

    def init(self):
        yield (0, 0)

    @action(i=lambda spec, s: range(2))
    def inc(self, s, i):
        return tuple(v + (k == i) for k, v in enumerate(s)) if max(s) < 3 else None

    def symmetry(self):
        return permutations_of(2)

    def permute(self, s, p):
        return reindex(s, p)

    def canonical(self, s):
        if s == (2, 2):
            raise KeyError("boom")
        return tuple(sorted(s))


@pytest.mark.parametrize("workers", [1, 2])
def test_canonical_raising_is_explained(workers):
    with pytest.raises(SpecError, match=r"CanonicalRaises.canonical\(\) raised KeyError: 'boom' \(.*test_symmetry.py, line \d+, "
                                        r"in canonical\) for the state \(2, 2\)\. .*or check without symmetry"):
        check(CanonicalRaises(), deadlock=False, workers=workers)
    assert check(CanonicalRaises(), deadlock=False, symmetry=False).distinct_states == 15  # all but (3, 3)
