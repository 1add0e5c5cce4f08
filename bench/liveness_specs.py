"""Specs with liveness properties for bench/liveness.py."""

from __future__ import annotations

import attrs

from checker import action, eventually
from spec.two_phase import TwoPhase, _rms


@attrs.frozen
class TwoPhaseLive(TwoPhase):
    """Two-phase commit with the fairness a running system gives its TM and message delivery:
    the TM eventually decides and every RM eventually learns the decision, so every RM ends
    committed or aborted (the RMs' own choices are not forced)."""

    @action(r=_rms, fair="weak", each=True)
    def tm_rcv_prepared(self, s, r):
        return TwoPhase.tm_rcv_prepared(self, s, r)

    @action(fair="weak")
    def tm_abort(self, s):
        return TwoPhase.tm_abort(self, s)

    @action(r=_rms, fair="weak", each=True)
    def rm_rcv_commit(self, s, r):
        return TwoPhase.rm_rcv_commit(self, s, r)

    @action(r=_rms, fair="weak", each=True)
    def rm_rcv_abort(self, s, r):
        return TwoPhase.rm_rcv_abort(self, s, r)

    @eventually
    def all_decided(self, s):
        return all(r in ("committed", "aborted") for r in s.rm_state)
