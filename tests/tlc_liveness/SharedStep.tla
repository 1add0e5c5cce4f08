---- MODULE SharedStep ----
\* tests/specs_for_liveness.py: SharedStep. A and C are the same step 0 -> 1: taking it takes C.
VARIABLE x

Init == x = 0
A == x = 0 /\ x' = 1
B == x = 1 /\ x' = 0
C == x = 0 /\ x' = 1
D == x = 1 /\ x' = 2

Spec == Init /\ [][A \/ B \/ C \/ D]_x /\ WF_x(B) /\ SF_x(C)

ReachesTwo == <>(x = 2)
====
