"""The Kafka controller model: with controller-epoch fencing a zombie controller changes
nothing; without it, one session expiry lets two controllers act."""

from __future__ import annotations

import pytest

from checker import SpecError, check
from checker.symmetry import permutations_of, reachable_states
from checker.testing import assert_holds, assert_violates
from invariants import controller as inv
from spec.kafka_controller import KafkaController
from tests.helpers import replays


def test_safe_default_is_exhaustive_and_clean():
    spec = KafkaController()
    assert (spec.brokers, spec.max_expirations, spec.controller_epoch_fencing) == (3, 1, True)
    r = assert_holds(spec)  # brokers are interchangeable: one state per orbit
    assert (r.distinct_states, r.generated_states, r.depth, r.symmetry) == (3661, 15074, 15, 6)
    full = assert_holds(spec, symmetry=False)
    assert (full.distinct_states, full.generated_states, full.depth) == (21801, 89788, 15)
    assert r.coverage is not None


def test_no_fencing_zombie_request_is_acted_on():
    spec = KafkaController(controller_epoch_fencing=False)
    v = assert_violates(spec, "no_stale_controller_request", invariants=None)  # the first of all invariants to break
    assert len(v.trace) == 8
    steps = [s.name for s in v.trace[1:]]
    assert steps[:3] == ["try_create", "expire", "try_create"]  # the zombie and its successor
    assert sorted(s.args["b"] for s in v.trace[1:] if s.name == "elect_leader") == [0, 1]
    assert "after seeing epoch 2" in v.message


def test_no_fencing_two_leaders_in_one_leader_epoch():
    v = assert_violates(KafkaController(controller_epoch_fencing=False), "one_leader_per_epoch", max_length=8)
    assert len(v.trace) == 8 and "epoch 1 has 2 leaders" in v.message


def test_without_expiry_fencing_is_not_needed():
    assert assert_holds(KafkaController(controller_epoch_fencing=False, max_expirations=0)).distinct_states == 56  # 301 without symmetry


class _LeastHash(KafkaController):
    """The same spec without canonical(): the engine falls back to the least hash over all
    brokers! renamings, the reference canonical() must agree with."""
    canonical = None


@pytest.mark.parametrize("kw, every", [({}, 5), ({"brokers": 4, "max_expirations": 0}, 1),
                                       ({"brokers": 2, "max_expirations": 2, "controller_epoch_fencing": False}, 5)])
def test_canonical_is_one_representative_per_orbit(kw, every):
    spec = KafkaController(**kw)
    group = permutations_of(spec.brokers)
    states = reachable_states(spec)[::every]  # reachable without symmetry: ties, messages, zombies
    canon, least = {}, {}
    for s in states:
        images = [spec.permute(s, p) for p in group]
        c = spec.canonical(s)
        assert c in images  # an image of s (so two orbits never share it) ...
        assert all(spec.canonical(t) == c for t in images)  # ... and the same for the whole orbit
        canon[s], least[s] = c, min(map(hash, images))  # least: the engine's fingerprint without canonical()
    assert len({(canon[s], least[s]) for s in states}) == len(set(canon.values())) == len(set(least.values()))


@pytest.mark.parametrize("kw", [{"brokers": 2, "max_expirations": 2}, {"controller_epoch_fencing": False}])
def test_canonical_explores_the_same_states_as_least_hash(kw):
    fast, ref = check(KafkaController(**kw)), check(_LeastHash(**kw))  # no fencing: up to the first violation
    assert (fast.status, fast.distinct_states, fast.generated_states, fast.depth) == \
        (ref.status, ref.distinct_states, ref.generated_states, ref.depth)
    assert fast.symmetry == ref.symmetry > 1
    if fast.violation:
        assert len(fast.violation.trace) == len(ref.violation.trace) and replays(KafkaController(**kw), fast.violation.trace)


def test_predicates():
    assert not inv.one_controller_per_epoch([(2, 0), (2, 1)])
    assert inv.one_controller_per_epoch([(1, 0), (2, 1)])
    assert not inv.no_stale_controller_request({0: 1}, {0: 2})
    assert inv.no_stale_controller_request({0: 2}, {0: 2})


def test_bad_constants_are_refused():
    with pytest.raises(SpecError, match="brokers"):
        KafkaController(brokers=1)
    with pytest.raises(SpecError, match="max_expirations"):
        KafkaController(max_expirations=-1)
