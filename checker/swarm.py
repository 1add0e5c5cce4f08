"""Swarm configurations for random walks (Groce et al., "Swarm Testing", ISSTA 2012).

Why: a uniform walk takes every enabled action instance with the same odds, so it almost
never makes the rare combinations that protocol bugs need — three crashes in a row, or a
long stretch in which no message is delivered while elections run on. Swarm testing gives
each walk its own configuration: a random subset of the actions is switched on for the
whole walk, and the walk prefers those. Across many walks every combination of "this
action often, that one never" is tried; bugs that need an action to stay quiet are found
much sooner (docs/simulate.md has the measurements).

Bugs also need an order of events: "no crash while the first write commits, then a crash,
then no crash while a new leader is elected". A configuration fixed for the whole walk
cannot say "first, then": with a fault enabled from the first state, a uniform walk spends
its crash budget in the first few steps, and a swarm walk with the crash switched off never
crashes. So a swarm walk may be *phased*: it draws a new subset every `period` steps (the
period drawn per walk, 5 to 40 steps), and the phases of one walk can switch faults,
deliveries and writes off and on in turn.

Actions are coarse for distributed protocols: `deliver(link)` is one action for every link,
`crash(i)` one for every server, and ZOOKEEPER-1154 needs one server's messages to stay
undelivered while the others elect a leader and commit. So a swarm walk prefers either a
subset of the actions or a subset of the action *instances* (each instance — `deliver(link=
(2, 0))`, `crash(i=1)` — preferred or not by a hash of its label salted per walk): "server 2
is slow, only server 0 crashes" is then one configuration among many. (Preferring the
instances whose argument values all lie in a random subset — "only servers 1 and 2 act" —
was measured and not kept: bench/simulate.py, docs/simulate.md.)

A walk only *prefers* its actions: when none of them is enabled it takes any enabled
instance, so that a swarm walk never reports a deadlock that the spec does not have and
never stops early because its subset ran dry. Half of the walks are uniform (mode 'mixed',
the default), so that the bugs a uniform walk finds fastest are not slowed down.
"""

from __future__ import annotations

import zlib
from random import Random
from typing import Any, Literal

from .successors import order_key

SwarmMode = Literal["mixed", "on", "off"]
SWARM_MODES = ("mixed", "on", "off")


PERIODS = (5, 40)  # a phased walk's period is drawn from this range (steps)


def draw(rng: Random, n_actions: int, mode: str) -> tuple[tuple[bool, ...] | None, int]:
    """The walk's configuration: (mask, period). mask None: every action alike (a uniform
    walk); else per action whether it is preferred. period 0: the mask holds for the whole
    walk; else a new one is drawn (`subset`) every `period` steps. Half of the swarm walks
    are phased. Drawn from the walk's own generator, so that the walk repeats from its seed."""
    if mode == "off" or n_actions < 2:
        return None, 0
    if mode == "mixed" and rng.random() < 0.5:
        return None, 0
    period = rng.randint(*PERIODS) if rng.random() < 0.5 else 0
    # a fixed configuration is over instances 3 times in 4 (the share that found the
    # epoch_fencing=False bug from a fresh start: docs/simulate.md); a phase's, half the time
    return (subset(rng, n_actions) if rng.random() < 0.5 else Instances(rng.getrandbits(32))), period


def subset(rng: Random, n_actions: int) -> "tuple[bool, ...] | Instances":
    """A configuration: half the time each action preferred with probability 1/2 (never
    none, never all), half the time each action instance."""
    if rng.random() < 0.5:
        return Instances(rng.getrandbits(32))
    while True:
        mask = tuple(rng.random() < 0.5 for _ in range(n_actions))
        if any(mask) and not all(mask):
            return mask


def describe(mask: Any, period: int, names: list[str]) -> str:
    """The configuration in words, for the report of the walk that found a violation."""
    if mask is None:
        return "uniform: every action alike"
    if period:
        return f"swarm, phased: a new subset of the actions or instances preferred every {period} steps"
    if isinstance(mask, Instances):
        return f"swarm: prefers half of the action instances (salt {mask.salt})"
    return "swarm: prefers " + ", ".join(n for n, on in zip(names, mask) if on)


class Instances:
    """A configuration over action instances: (action index, args) is preferred when a hash of
    its label, salted per walk, is odd. The hash is CRC-32 of the arguments in a seed-free
    order (`order_key`), so that a walk prefers the same instances under every PYTHONHASHSEED;
    it is computed once per instance (`keys`, shared by the walks of a process)."""

    __slots__ = ("salt",)
    keys: dict = {}

    def __init__(self, salt: int):
        self.salt = salt

    def __getitem__(self, item: tuple) -> bool:
        key = Instances.keys.get(item)
        if key is None:
            key = Instances.keys[item] = zlib.crc32(repr((item[0], order_key(item[1]))).encode())
        return bool(((key ^ self.salt) * 0x9E3779B1 >> 16) & 1)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instances) and other.salt == self.salt

    def __hash__(self) -> int:
        return self.salt
