"""Two-phase commit, a port of TwoPhase.tla from the tlaplus/Examples repository
(specifications/transaction_commit): a transaction manager and `rms` resource managers.

The port is state-for-state: `rm` is rmState, `tm` is tmState, `prepared` is tmPrepared
(as one flag per RM), and the message set `msgs` is split into the Prepared messages (one
flag per RM) and the Commit / Abort broadcasts. TLC's counts for this spec — 288 distinct
states at 3 RMs, 50,816 / 296,448 / 1,745,408 at 6 / 7 / 8 — are the engine's speed anchor.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from checker import Spec, action, invariant, record


def _set(t: tuple, i: int, v) -> tuple:
    return t[:i] + (v,) + t[i + 1 :]


@record
class TPState(NamedTuple):
    rm: tuple[str, ...]  # per RM: working | prepared | committed | aborted
    tm: str  # init | done
    prepared: tuple[bool, ...]  # TM has received Prepared from this RM
    sent_prepared: tuple[bool, ...]  # a Prepared message from this RM is in msgs
    commit_sent: bool
    abort_sent: bool


def _rms(spec, s):
    return range(spec.rms)


@attrs.frozen
class TwoPhase(Spec):
    rms: int = 3

    def init(self):
        n = self.rms
        yield TPState(("working",) * n, "init", (False,) * n, (False,) * n, False, False)

    @action(r=_rms)
    def tm_rcv_prepared(self, s, r):
        if s.tm != "init" or not s.sent_prepared[r]:
            return None
        return s._replace(prepared=_set(s.prepared, r, True))

    @action
    def tm_commit(self, s):
        if s.tm != "init" or not all(s.prepared):
            return None
        return s._replace(tm="done", commit_sent=True)

    @action
    def tm_abort(self, s):
        if s.tm != "init":
            return None
        return s._replace(tm="done", abort_sent=True)

    @action(r=_rms)
    def rm_prepare(self, s, r):
        if s.rm[r] != "working":
            return None
        return s._replace(rm=_set(s.rm, r, "prepared"), sent_prepared=_set(s.sent_prepared, r, True))

    @action(r=_rms)
    def rm_choose_to_abort(self, s, r):
        if s.rm[r] != "working":
            return None
        return s._replace(rm=_set(s.rm, r, "aborted"))

    @action(r=_rms)
    def rm_rcv_commit(self, s, r):
        if not s.commit_sent:
            return None
        return s._replace(rm=_set(s.rm, r, "committed"))

    @action(r=_rms)
    def rm_rcv_abort(self, s, r):
        if not s.abort_sent:
            return None
        return s._replace(rm=_set(s.rm, r, "aborted"))

    @invariant
    def consistent(self, s):
        """TCConsistent: no RM has committed while another has aborted."""
        return not ("committed" in s.rm and "aborted" in s.rm)
