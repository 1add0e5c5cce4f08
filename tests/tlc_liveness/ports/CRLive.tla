---- MODULE CRLive ----
\* tests/tlc/chang_roberts.py (ChangRoberts, ChangRobertsUnfair) with MCChangRoberts (N = 3).
\* Needs specifications/chang_roberts/ of tlaplus/Examples on the path.
EXTENDS MCChangRoberts

NoFairSpec == Init /\ [][Next]_vars
\* Violated by the initial state without initiators: nobody is ever a candidate.
SomeoneWins == <>(\E n \in Node : state[n] = "won")
====
