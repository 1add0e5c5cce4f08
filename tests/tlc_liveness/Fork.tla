---- MODULE Fork ----
\* tests/specs_for_liveness.py: Fork. The state x = 1 has no successor (CHECK_DEADLOCK FALSE).
VARIABLE x

Init == x = 0
Left == x = 0 /\ x' = 1
Right == x = 0 /\ x' = 2

Spec == Init /\ [][Left \/ Right]_x /\ WF_x(Left) /\ WF_x(Right)

ReachesTwo == <>(x = 2)
====
