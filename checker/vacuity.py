"""Which invariants had something to check: an invariant declared with
`@invariant(exercised=premise)` that held only because its premise never did (no write was
ever committed, so "every committed write survives" held vacuously) proves nothing, and
the result says so (`CheckResult.vacuous`).

Each premise is evaluated on new states only until it first holds, so a well-exercised
invariant costs a few calls; only a vacuous one costs a call per state.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Sequence

from .errors import SpecError


class Exercise:
    def __init__(self, spec: Any, exercised: dict[str, Callable], invariants: Iterable[str]):
        self.spec = spec
        self.order = list(invariants)
        self.pending = {n: exercised[n] for n in self.order if n in exercised}

    def see(self, states: Sequence[Any]) -> list[str]:
        """Mark the premises that hold in one of `states`; returns the names newly exercised."""
        done = []
        for name, premise in list(self.pending.items()):
            try:
                hit = any(map(premise, itertools.repeat(self.spec, len(states)), states))
            except Exception as exc:
                raise SpecError(
                    f"The exercised= premise of invariant {name} raised {type(exc).__name__}: {exc}. It is "
                    "evaluated on every reachable state until it first holds, so it must return a bool for "
                    "every state (guard the cases where what it looks at is absent)."
                ) from None
            if hit:
                del self.pending[name]
                done.append(name)
        return done

    def discard(self, names: Iterable[str]) -> None:
        for name in names:
            self.pending.pop(name, None)

    def vacuous(self) -> list[str]:
        return [n for n in self.order if n in self.pending]
