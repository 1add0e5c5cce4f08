---- MODULE TRLive ----
\* tests/tlc/token_ring.py (TokenRing, TokenRingUnfair). Needs specifications/ewd426/.
EXTENDS TokenRing

NoFairSpec == Init /\ [][Next]_vars
====
