---- MODULE ABBounded ----
\* tests/tlc/alternating_bit.py (BoundedAlternatingBit, BoundedAlternatingBitWeak).
\* MCAlternatingBit bounds the queues by a CONSTRAINT; protocheck refuses liveness under a
\* constraint, so the bound is a guard of the actions that append instead (the same 240
\* states). Needs specifications/SpecifyingSystems/TLC/ of tlaplus/Examples on the path.
EXTENDS MCAlternatingBit

BSndNewValue(d) == Len(msgQ) < msgQLen /\ SndNewValue(d)
BReSndMsg == Len(msgQ) < msgQLen /\ ReSndMsg
BSndAck == Len(ackQ) < ackQLen /\ SndAck

BNext == \/ \E d \in Data : BSndNewValue(d)
         \/ BReSndMsg \/ RcvMsg \/ BSndAck \/ RcvAck
         \/ LoseMsg \/ LoseAck

BSpec == ABInit /\ [][BNext]_abvars
         /\ WF_abvars(BReSndMsg) /\ WF_abvars(BSndAck)
         /\ SF_abvars(RcvMsg) /\ SF_abvars(RcvAck)

\* Weak fairness only: losing messages can disable RcvMsg every other step.
BWeakSpec == ABInit /\ [][BNext]_abvars
         /\ WF_abvars(BReSndMsg) /\ WF_abvars(BSndAck)
         /\ WF_abvars(RcvMsg) /\ WF_abvars(RcvAck)
====
