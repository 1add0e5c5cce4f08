---- MODULE SpinInPlace ----
\* tests/specs_for_liveness.py: SpinInPlace. Spin changes nothing, so <<Spin>>_x is never enabled.
VARIABLE x

Init == x = 0
Spin == x' = x
Go == x = 0 /\ x' = 1

Spec == Init /\ [][Spin \/ Go]_x /\ WF_x(Spin)

Gone == <>(x = 1)
====
