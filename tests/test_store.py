"""The compact visited set must not change any count, depth or trace."""

import numpy as np
import pytest

import checker.store as store
from checker import check
from checker.store import FingerprintStore
from spec.diehard import DieHard
from spec.two_phase import TwoPhase
from tests.specs_for_tests import Infinite, Words


def figures(r):
    return (r.status, r.distinct_states, r.generated_states, r.depth, [s.action for s in (r.violation.trace if r.violation else [])])


@pytest.mark.parametrize("make", [lambda: TwoPhase(rms=4), lambda: DieHard(), lambda: Words()])
def test_tiny_merge_threshold_gives_identical_results(monkeypatch, make):
    expected = figures(check(make()))
    monkeypatch.setattr(store, "MIN_MERGE", 8)
    assert figures(check(make())) == expected
    expected_all = figures(check(make(), stop_on_first=False))
    assert figures(check(make(), stop_on_first=False)) == expected_all


def test_limits_with_bulk_store(monkeypatch):
    monkeypatch.setattr(store, "MIN_MERGE", 4)
    r = check(Infinite(), max_states=100)
    assert (r.status, r.distinct_states) == ("incomplete", 100)


def test_store_membership_and_merge(monkeypatch):
    monkeypatch.setattr(store, "MIN_MERGE", 4)
    fs = FingerprintStore()
    values = [5, -3, 2**62, -(2**63), 17, 9, 11]
    for v in values:
        fs.add(v)
        fs.maybe_merge()
    assert all(v in fs for v in values) and 4 not in fs and 2**63 - 1 not in fs
    assert fs.runs and all(list(r) == sorted(r) for r in fs.runs) and len(fs) == len(values)
    mask = fs.known_in_bulk([5, 6, -(2**63)])
    assert mask is not None and mask.dtype == np.bool_ and mask[1] == False  # noqa: E712


def test_fingerprints_move_to_compact_runs(monkeypatch):
    from checker.search import Search

    monkeypatch.setattr(store, "MIN_MERGE", 64)
    search = Search(TwoPhase(rms=4))
    r = search.run()
    assert r.distinct_states == 1568
    assert search.seen.runs and len(search.seen.recent) < 64
    assert sum(run.size for run in search.seen.runs) + len(search.seen.recent) >= 1568


def test_parent_pointers_widen_past_four_bytes(monkeypatch):
    """Parents are 4-byte ints until a run has 2**31 states; past that they widen, and
    traces and counts stay the same (shown here with the threshold lowered to 5)."""
    import checker.trace as trace

    expected = figures(check(DieHard()))
    monkeypatch.setattr(trace, "WIDEN_AT", 5)
    from checker.search import Search

    search = Search(DieHard())
    assert figures(search.run()) == expected
    assert search.log.parents.typecode == "q" and search.log.instances.typecode == "i"


def test_bloom_filter_never_hides_a_member():
    """No false negatives, for random and for small regular fingerprints, across rebuilds;
    and it does rule out most non-members (what it is for)."""
    from checker.bloom import BlockedBloom

    rng = np.random.default_rng(7)
    for members in (rng.integers(-(2**63), 2**63 - 1, size=50_000, dtype=np.int64), np.arange(50_000, dtype=np.int64)):
        bloom = BlockedBloom(members.size)
        bloom.add(members)
        assert bloom.may_contain(members).all()
        others = members + np.int64(1_000_003)
        others = others[~np.isin(others, members)]
        assert bloom.may_contain(others).mean() < 0.1


def test_store_lookups_through_the_bloom_filter(monkeypatch):
    monkeypatch.setattr(store, "MIN_MERGE", 1000)
    fs = FingerprintStore()
    values = list(range(-5000, 5000, 3))
    for v in values:
        fs.add(v)
        fs.maybe_merge()
    assert fs.bloom is not None and fs.bloom.count == sum(r.size for r in fs.runs)
    mask = fs.known_in_bulk(values + [1, 2, 4, 5])  # 1 and 4 are members (-5000 + 3k), 2 and 5 are not
    in_runs = set(np.concatenate(fs.runs).tolist())
    assert mask.tolist() == [v in in_runs for v in values + [1, 2, 4, 5]]
