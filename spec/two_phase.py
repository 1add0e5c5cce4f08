"""Two-phase commit, a port of TwoPhase.tla from the tlaplus/Examples repository
(specifications/transaction_commit): a transaction manager and `rms` resource managers.

The port is state-for-state: `rm_state` is rmState, `tm_state` is tmState, `prepared` is tmPrepared
(as one flag per RM), and the message set `msgs` is split into the Prepared messages (one
flag per RM) and the Commit / Abort broadcasts. An action enabled in a state it does not
change (receiving a message a second time) returns that state itself: TLC counts the step,
and the engine counts it without building or hashing a copy (36% of successors at 6 RMs). TLC's counts for this spec — 288 distinct
states at 3 RMs, 50,816 / 296,448 / 1,745,408 at 6 / 7 / 8 — are the engine's speed anchor.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

import attrs

from checker import Range, Spec, action, invariant, record
from spec.mechanics import set_at


@record
class TPState(NamedTuple):
    rm_state: tuple[str, ...]  # per RM: working | prepared | committed | aborted
    tm_state: str  # init | done
    prepared: tuple[bool, ...]  # TM has received Prepared from this RM
    sent_prepared: tuple[bool, ...]  # a Prepared message from this RM is in msgs
    commit_sent: bool
    abort_sent: bool


def _rms(spec, s):
    return range(spec.rms)


@attrs.frozen
class TwoPhase(Spec):
    rms: Annotated[int, Range(1)] = 3

    def init(self):
        n = self.rms
        yield TPState(rm_state=("working",) * n, tm_state="init", prepared=(False,) * n, sent_prepared=(False,) * n,
                      commit_sent=False, abort_sent=False)

    @action(r=_rms, reads=("tm_state", "sent_prepared[r]", "prepared[r]"), writes=("prepared[r]",))
    def tm_rcv_prepared(self, s, r):
        if s.tm_state != "init" or not s.sent_prepared[r]:
            return None
        if s.prepared[r]:
            return s  # enabled, but no change (a stuttering step TLC counts too): the engine skips it unhashed
        return s._replace(prepared=set_at(s.prepared, r, True))

    @action(reads=("tm_state", "prepared"), writes=("tm_state", "commit_sent"))
    def tm_commit(self, s):
        if s.tm_state != "init" or not all(s.prepared):
            return None
        return s._replace(tm_state="done", commit_sent=True)

    @action(reads=("tm_state",), writes=("tm_state", "abort_sent"))
    def tm_abort(self, s):
        if s.tm_state != "init":
            return None
        return s._replace(tm_state="done", abort_sent=True)

    @action(r=_rms, reads=("rm_state[r]",), writes=("rm_state[r]", "sent_prepared[r]"))
    def rm_prepare(self, s, r):
        if s.rm_state[r] != "working":
            return None
        return s._replace(rm_state=set_at(s.rm_state, r, "prepared"), sent_prepared=set_at(s.sent_prepared, r, True))

    @action(r=_rms, reads=("rm_state[r]",), writes=("rm_state[r]",))
    def rm_choose_to_abort(self, s, r):
        if s.rm_state[r] != "working":
            return None
        return s._replace(rm_state=set_at(s.rm_state, r, "aborted"))

    @action(r=_rms, reads=("commit_sent", "rm_state[r]"), writes=("rm_state[r]",))
    def rm_rcv_commit(self, s, r):
        if not s.commit_sent:
            return None
        if s.rm_state[r] == "committed":
            return s
        return s._replace(rm_state=set_at(s.rm_state, r, "committed"))

    @action(r=_rms, reads=("abort_sent", "rm_state[r]"), writes=("rm_state[r]",))
    def rm_rcv_abort(self, s, r):
        if not s.abort_sent:
            return None
        if s.rm_state[r] == "aborted":
            return s
        return s._replace(rm_state=set_at(s.rm_state, r, "aborted"))

    @invariant(reads=("rm_state",))
    def consistent(self, s):
        """TCConsistent: no RM has committed while another has aborted."""
        return not ("committed" in s.rm_state and "aborted" in s.rm_state)
