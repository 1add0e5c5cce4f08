"""Port of specifications/SpecifyingSystems/TLC/MCAlternatingBit.tla (.cfg), which extends
AlternatingBit.tla: Data = {d1, d2}, msgQLen = 2, ackQLen = 2, CONSTRAINT SeqConstraint,
INVARIANT ABTypeInv. TLC: 240 / 1392 / 10, ok.

TLC checks PROPERTY SentLeadsToRcvd under ABFairness (WF ReSndMsg, WF SndAck, SF RcvMsg, SF
RcvAck) with the CONSTRAINT in place; protocheck refuses liveness under a constraint (it
changes which cycles exist), so `BoundedAlternatingBit` below states the same bound as a
guard of the three actions that append, which reaches the same 240 states.

Queues are tuples (msgQ of (bit, data) pairs, ackQ of bits). Lose(q) is one successor per
position i, so losing either of two equal messages is generated twice, as in TLC.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

import attrs

from checker import Spec, action, constraint, fail, invariant, leads_to


class ABState(NamedTuple):
    msgQ: tuple[tuple[int, str], ...]
    ackQ: tuple[int, ...]
    sBit: int
    sAck: int
    rBit: int
    sent: str
    rcvd: str


@attrs.frozen
class AlternatingBit(Spec):
    data: tuple[str, ...] = ("d1", "d2")
    msg_q_len: int = 2
    ack_q_len: int = 2

    def init(self):
        for bit, sent, rcvd in product((0, 1), self.data, self.data):
            yield ABState((), (), bit, bit, bit, sent, rcvd)

    @action(d=lambda spec, s: spec.data)
    def snd_new_value(self, s, d):
        if s.sAck != s.sBit:
            return None
        bit = 1 - s.sBit
        return s._replace(sent=d, sBit=bit, msgQ=s.msgQ + ((bit, d),))

    @action
    def re_snd_msg(self, s):
        if s.sAck == s.sBit:
            return None
        return s._replace(msgQ=s.msgQ + ((s.sBit, s.sent),))

    @action
    def rcv_msg(self, s):
        if not s.msgQ:
            return None
        (bit, d), rest = s.msgQ[0], s.msgQ[1:]
        return s._replace(msgQ=rest, rBit=bit, rcvd=d)

    @action
    def snd_ack(self, s):
        return s._replace(ackQ=s.ackQ + (s.rBit,))

    @action
    def rcv_ack(self, s):
        if not s.ackQ:
            return None
        return s._replace(ackQ=s.ackQ[1:], sAck=s.ackQ[0])

    @action(i=lambda spec, s: range(len(s.msgQ)))
    def lose_msg(self, s, i):
        return s._replace(msgQ=s.msgQ[:i] + s.msgQ[i + 1 :])

    @action(i=lambda spec, s: range(len(s.ackQ)))
    def lose_ack(self, s, i):
        return s._replace(ackQ=s.ackQ[:i] + s.ackQ[i + 1 :])

    @constraint
    def seq_constraint(self, s):
        return len(s.msgQ) <= self.msg_q_len and len(s.ackQ) <= self.ack_q_len

    @invariant(name="ABTypeInv")
    def type_inv(self, s):
        ok = (
            all(b in (0, 1) and d in self.data for b, d in s.msgQ)
            and all(b in (0, 1) for b in s.ackQ)
            and {s.sBit, s.sAck, s.rBit} <= {0, 1}
            and s.sent in self.data
            and s.rcvd in self.data
        )
        return ok or fail(f"{s}")



@attrs.frozen
class BoundedAlternatingBit(AlternatingBit):
    """MCAlternatingBit with the queue bound as a guard instead of a CONSTRAINT, ABFairness,
    and SentLeadsToRcvd: \\A d \\in Data: (sent = d /\\ sBit # sAck) ~> rcvd = d.
    TLC on the same (BSpec in tests/tlc_liveness/ports/ABBounded.tla): 240 states, holds."""

    def seq_constraint(self, s):  # no longer a @constraint: the guards bound the queues
        return True

    @action(d=lambda spec, s: spec.data)
    def snd_new_value(self, s, d):
        return AlternatingBit.snd_new_value(self, s, d) if len(s.msgQ) < self.msg_q_len else None

    @action(fair="weak")
    def re_snd_msg(self, s):
        return AlternatingBit.re_snd_msg(self, s) if len(s.msgQ) < self.msg_q_len else None

    @action(fair="strong")
    def rcv_msg(self, s):
        return AlternatingBit.rcv_msg(self, s)

    @action(fair="weak")
    def snd_ack(self, s):
        return AlternatingBit.snd_ack(self, s) if len(s.ackQ) < self.ack_q_len else None

    @action(fair="strong")
    def rcv_ack(self, s):
        return AlternatingBit.rcv_ack(self, s)

    @leads_to(lambda spec, s, d: s.sent == d and s.sBit != s.sAck, d=lambda spec: spec.data)
    def SentLeadsToRcvd(self, s, d):
        return s.rcvd == d


@attrs.frozen
class BoundedAlternatingBitWeak(BoundedAlternatingBit):
    """Weak fairness on the receives (BWeakSpec): a loss can disable RcvMsg every other step."""

    @action(fair="weak")
    def rcv_msg(self, s):
        return AlternatingBit.rcv_msg(self, s)

    @action(fair="weak")
    def rcv_ack(self, s):
        return AlternatingBit.rcv_ack(self, s)
