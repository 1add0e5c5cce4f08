"""Port of specifications/ReadersWriters/ReadersWriters.tla via MC.tla / MC.cfg (NumActors <- 3):
INVARIANTS TypeOK Safety, PROPERTY Liveness, deadlock checked. TLC: 21527 / 59674 / 13, ok.

Fairness as the spec's: WF of each TryRead(actor) and TryWrite(actor), WF of ReadOrWrite
and of Stop (\\E actor: StopActivity(actor), as a whole). Liveness is four conjuncts, each
\\A actor: []<>(...); here four properties with the actor as parameter (12 instances).

Actors are 1..NumActors as in TLA+; `readers` / `writers` are frozensets, `waiting` is a
tuple of ("read" | "write", actor). ReadOrWrite's CASE picks the branch of the head of the
queue, so it is one action; Stop is one successor per actor in readers \\cup writers.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from checker import Spec, action, always_eventually, fail, invariant


class RWState(NamedTuple):
    readers: frozenset
    writers: frozenset
    waiting: tuple[tuple[str, int], ...]


def _actors(spec, s):
    return range(1, spec.num_actors + 1)


@attrs.frozen
class ReadersWriters(Spec):
    num_actors: int = 3

    def init(self):
        yield RWState(frozenset(), frozenset(), ())

    @action(actor=_actors, fair="weak", each=True)
    def try_read(self, s, actor):
        if ("read", actor) in s.waiting:
            return None
        return s._replace(waiting=s.waiting + (("read", actor),))

    @action(actor=_actors, fair="weak", each=True)
    def try_write(self, s, actor):
        if ("write", actor) in s.waiting:
            return None
        return s._replace(waiting=s.waiting + (("write", actor),))

    @action(fair="weak")
    def read_or_write(self, s):
        if not s.waiting or s.writers:
            return None
        (kind, actor), rest = s.waiting[0], s.waiting[1:]
        if kind == "read":
            return s._replace(readers=s.readers | {actor}, waiting=rest)
        if s.readers:  # Write(actor) requires readers = {}
            return None
        return s._replace(writers=s.writers | {actor}, waiting=rest)

    @action(actor=lambda spec, s: sorted(s.readers | s.writers), fair="weak")
    def stop(self, s, actor):
        if actor in s.readers:
            return s._replace(readers=s.readers - {actor})
        return s._replace(writers=s.writers - {actor})

    @invariant(name="TypeOK")
    def type_ok(self, s):
        actors = set(_actors(self, s))
        ok = s.readers <= actors and s.writers <= actors and all(k in ("read", "write") and a in actors for k, a in s.waiting)
        return ok or fail(f"{s}")

    @invariant(name="Safety")
    def safety(self, s):
        if s.readers and s.writers:
            return fail(f"readers {set(s.readers)} and writers {set(s.writers)} at once")
        return len(s.writers) <= 1 or fail(f"several writers {set(s.writers)}")

    @always_eventually(actor=lambda spec: range(1, spec.num_actors + 1))
    def reads(self, s, actor):
        return actor in s.readers

    @always_eventually(actor=lambda spec: range(1, spec.num_actors + 1))
    def writes(self, s, actor):
        return actor in s.writers

    @always_eventually(actor=lambda spec: range(1, spec.num_actors + 1))
    def stops_reading(self, s, actor):
        return actor not in s.readers

    @always_eventually(actor=lambda spec: range(1, spec.num_actors + 1))
    def stops_writing(self, s, actor):
        return actor not in s.writers


@attrs.frozen
class ReadersWritersStopUnfair(ReadersWriters):
    """Stop without fairness (NoStopFairSpec in tests/tlc_liveness/ports/RWLive.tla)."""

    @action(actor=lambda spec, s: sorted(s.readers | s.writers))
    def stop(self, s, actor):
        return ReadersWriters.stop(self, s, actor)
