"""kafka-replication's follower symmetry and its canonical(): one representative per orbit,
an image of the state (so orbits never merge), the same states explored as the engine's
least-hash fallback."""

from __future__ import annotations

from collections import deque

import pytest

from checker import check
from checker.symmetry import declared_group, orbit_count, reachable_states
from checker.successors import successors
from checker.spec import describe
from spec.kafka_replication import KafkaReplication, _image


class _LeastHash(KafkaReplication):
    """The same spec without canonical(): the engine takes the least hash over the group."""
    canonical = None


def _first_states(spec, limit: int) -> list:
    """The first `limit` states reachable without symmetry, breadth first."""
    info, states = describe(type(spec)), list(spec.init())
    seen, queue = set(states), deque(states)
    while queue and len(states) < limit:
        for _, _, t in successors(info, spec, queue.popleft()):
            if t not in seen:
                seen.add(t)
                states.append(t)
                queue.append(t)
    return states


@pytest.mark.parametrize("kw", [dict(replicas=3, records=1, max_crashes=0, max_leader_epoch=0),
                                dict(replicas=3, records=1, lose_unflushed=True, elr=True),
                                dict(replicas=4, records=1, max_crashes=0, max_leader_epoch=1)])
def test_canonical_is_one_image_per_orbit_and_image_is_permute(kw):
    spec = KafkaReplication(**kw)
    group = declared_group(spec)
    states = _first_states(spec, 3000)[::2]
    canon = {}
    for s in states:
        images = [spec.permute(s, p) for p in group]
        c = spec.canonical(s)
        assert c in images  # an image of s (so two orbits never share it) ...
        assert all(spec.canonical(t) == c for t in images)  # ... and the same for the whole orbit
        canon[s] = c
        for p in group:  # the fast image builder is permute()
            order = sorted(range(1, spec.replicas), key=lambda f: p[f])
            assert _image(s, order) == spec.permute(s, p)
    orbits = {frozenset(spec.permute(s, p) for p in group) for s in states}
    assert len(set(canon.values())) == len(orbits)


def test_canonical_explores_the_same_states_as_least_hash():
    kw = dict(replicas=3, records=1, max_crashes=0, max_leader_epoch=0)
    safety = dict(liveness=False)  # the properties are refused under a symmetry; this compares the orbits
    fast, ref = check(KafkaReplication(**kw), **safety), check(_LeastHash(**kw), **safety)
    full = check(KafkaReplication(**kw), symmetry=False, **safety)
    assert (fast.status, fast.distinct_states, fast.generated_states, fast.depth) == \
        (ref.status, ref.distinct_states, ref.generated_states, ref.depth) == ("ok", 1347, 3605, 23)
    assert fast.symmetry == ref.symmetry == 2
    assert (full.distinct_states, full.depth) == (2650, 23)
    assert orbit_count(reachable_states(KafkaReplication(**kw)), KafkaReplication(**kw)) == 1347  # exact, no hashing
