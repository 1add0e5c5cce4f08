---- MODULE Countdown ----
\* tests/specs_for_liveness.py: Countdown and CountdownVacuous (Start = 3, Bounce = FALSE | TRUE).
EXTENDS Integers
CONSTANTS Start, Bounce
VARIABLE x

Init == x = Start
Dec == x > 0 /\ x' = x - 1
Rebound == Bounce /\ x = 1 /\ x' = Start

Spec == Init /\ [][Dec \/ Rebound]_x /\ WF_x(Dec)

ReachesZero == <>(x = 0)
ZeroOften == []<>(x = 0)
ZeroForever == <>[](x = 0)
TopLeadsToZero == (x = Start) ~> (x = 0)
NegativeLeadsToZero == (x < 0) ~> (x = 0)
Bounded == <>(x <= Start)
====
