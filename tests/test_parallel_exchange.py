"""Owners fetch only the states they lack (parallel_worker.py). Under a view, a peer's
candidate with a smaller key carries a different state than the one the owner holds, and
that state must replace it: the one-process search keeps the first one it finds."""

from __future__ import annotations

from typing import NamedTuple

import attrs
import pytest

from checker import Spec, action, check, invariant


class Walk(NamedTuple):
    x: int
    y: int
    path: str  # ghost: how the walk got here, left out of the view


@attrs.frozen
class GhostPath(Spec):
    """Walk right or up on a grid; the view forgets the path, so each cell keeps the path
    of the first walk that reached it — "R"*x + "U"*y in breadth-first order."""

    n: int = 4

    def init(self):
        yield Walk(0, 0, "")

    @action
    def right(self, s):
        return s._replace(x=s.x + 1, path=s.path + "R") if s.x < self.n else None

    @action
    def up(self, s):
        return s._replace(y=s.y + 1, path=s.path + "U") if s.y < self.n else None

    @invariant
    def not_the_first_path_to_the_corner(self, s):
        return s.path != "R" * self.n + "U" * self.n

    def view(self, s):
        return (s.x, s.y)


@pytest.mark.parametrize("workers", [2, 3])
def test_view_keeps_the_one_process_representative(workers):
    one, many = check(GhostPath(), deadlock=False), check(GhostPath(), deadlock=False, workers=workers)
    assert (one.status, one.distinct_states, one.violations[0].trace[-1].state) == ("violation", 25, Walk(4, 4, "RRRRUUUU"))
    assert (many.status, many.distinct_states, many.generated_states, many.depth) == (
        one.status, one.distinct_states, one.generated_states, one.depth)
    assert [(s.action, s.state) for s in many.violations[0].trace] == [(s.action, s.state) for s in one.violations[0].trace]


def _ways(spec, s):
    return ("R", "r", "U", "u")  # right or up, walking or running: the ghost tells which


@attrs.frozen
class GhostGaits(Spec):
    """As GhostPath, but one action with four instances, two per direction, that differ only
    in the ghost, so two successors share each view: a peer asked for a state re-makes it
    from its parent (parallel_loop.build_remake) and must return the instance the one-process
    search keeps, the first of its view, which for "up" is not the action's first."""

    n: int = 5

    def init(self):
        yield Walk(0, 0, "")

    @action(way=_ways)
    def step(self, s, way):
        if way in "Rr":
            return s._replace(x=s.x + 1, path=s.path + way) if s.x < self.n else None
        return s._replace(y=s.y + 1, path=s.path + way) if s.y < self.n else None

    @invariant
    def not_the_first_walk_to_the_corner(self, s):  # fails only on the state the one-process search keeps
        return s.path != "R" * self.n + "U" * self.n

    def view(self, s):
        return (s.x, s.y)


@pytest.mark.parametrize("workers", [2, 3])
def test_remade_state_is_the_instance_one_process_keeps(workers):
    one = check(GhostGaits(), deadlock=False)
    many = check(GhostGaits(), deadlock=False, workers=workers)
    assert one.violations[0].trace[-1].state == Walk(5, 5, "RRRRRUUUUU")
    assert (many.distinct_states, many.generated_states, many.depth) == (36, one.generated_states, 11)
    assert [(s.action, s.state) for s in many.violations[0].trace] == [(s.action, s.state) for s in one.violations[0].trace]
