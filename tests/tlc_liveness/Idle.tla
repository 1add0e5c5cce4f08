---- MODULE Idle ----
\* tests/specs_for_liveness.py: Idle (Spec) and IdleFair (FairSpec).
VARIABLE x

Init == x = 0
Start == x = 0 /\ x' = 1

Spec == Init /\ [][Start]_x
FairSpec == Spec /\ WF_x(Start)

Started == <>(x = 1)
ZeroIsZero == (x = 0) ~> (x = 0)
====
