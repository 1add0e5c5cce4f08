"""Port of specifications/transaction_commit/TCommit.tla (TCommit.cfg): RM = {r1, r2, r3},
INVARIANTS TCTypeOK TCConsistent, CHECK_DEADLOCK FALSE. TLC: 34 / 94 / 7, ok.

`rm_state[i]` is rmState[r(i+1)]. Decide(rm) is two disjuncts (commit, abort), so two actions.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from checker import Spec, action, fail, invariant
from spec.mechanics import set_at

STATES = ("working", "prepared", "committed", "aborted")


class TCState(NamedTuple):
    rm_state: tuple[str, ...]


def _rms(spec, s):
    return range(spec.rms)


@attrs.frozen
class TCommit(Spec):
    rms: int = 3

    def init(self):
        yield TCState(("working",) * self.rms)

    @action(rm=_rms)
    def prepare(self, s, rm):
        if s.rm_state[rm] != "working":
            return None
        return TCState(set_at(s.rm_state, rm, "prepared"))

    @action(rm=_rms)
    def decide_commit(self, s, rm):
        """Decide, first disjunct: canCommit (every RM prepared or committed)."""
        if s.rm_state[rm] != "prepared" or not all(x in ("prepared", "committed") for x in s.rm_state):
            return None
        return TCState(set_at(s.rm_state, rm, "committed"))

    @action(rm=_rms)
    def decide_abort(self, s, rm):
        """Decide, second disjunct: notCommitted (no RM committed)."""
        if s.rm_state[rm] not in ("working", "prepared") or "committed" in s.rm_state:
            return None
        return TCState(set_at(s.rm_state, rm, "aborted"))

    @invariant(name="TCTypeOK")
    def type_ok(self, s):
        return len(s.rm_state) == self.rms and all(x in STATES for x in s.rm_state) or fail(f"rmState={s.rm_state}")

    @invariant(name="TCConsistent")
    def consistent(self, s):
        return not ("aborted" in s.rm_state and "committed" in s.rm_state) or fail(f"rmState={s.rm_state}")
