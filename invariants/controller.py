"""Predicates of a controller elected through a coordination service (Kafka's ZooKeeper
controller): one controller per controller epoch, and no broker acting on an older one.
Over plain values so any epoch-fenced controller model can reuse them."""

from __future__ import annotations

from typing import Hashable, Iterable, Mapping

from checker.spec import Failure, fail

from .common import one_leader_per_epoch


def one_controller_per_epoch(controllers: Iterable[tuple[int, Hashable]]) -> bool | Failure:
    """At most one broker believes it is controller in each controller epoch.
    `controllers`: (controller epoch, broker) for every broker acting as controller (zombies included)."""
    ok = one_leader_per_epoch(controllers)
    return True if ok else fail(f"two controllers: {ok.reason.replace('leaders', 'controllers')}")


def no_stale_controller_request(acted: Mapping[Hashable, int], seen: Mapping[Hashable, int]) -> bool | Failure:
    """No broker acted on a request whose controller epoch is older than the newest it had
    already seen. `acted`: controller epoch of the last request each broker acted on;
    `seen`: the newest controller epoch each broker has seen."""
    for b in sorted(acted, key=repr):
        if acted[b] < seen[b]:
            return fail(f"broker {b!r} acted on a request of controller epoch {acted[b]} after seeing epoch {seen[b]}")
    return True
