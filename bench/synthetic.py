"""A spec whose successor function costs almost nothing, so engine overhead is what is timed.

Two counters on a width x height grid, each step increments one of them. Levels are
diagonals, at most min(width, height) states wide, so the queue stays small and memory
measures the visited set and parent pointers, not the frontier.
"""

from __future__ import annotations

import attrs

from checker import Spec, action


@attrs.frozen
class Grid(Spec):
    width: int = 1000
    height: int = 1000

    def init(self):
        yield (0, 0)

    @action
    def right(self, s):
        return (s[0] + 1, s[1]) if s[0] + 1 < self.width else None

    @action
    def up(self, s):
        return (s[0], s[1] + 1) if s[1] + 1 < self.height else None
