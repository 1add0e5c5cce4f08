---- MODULE EWDLive ----
\* tests/tlc/ewd840.py (EWD840), N = 3. Needs specifications/ewd840/ of tlaplus/Examples.
EXTENDS EWD840

\* Not promised: the environment (SendMsg, Deactivate) is not fair, a node may stay active.
EventuallyTerminated == <>terminated
====
