---- MODULE Flicker ----
\* tests/specs_for_liveness.py: FlickerWeak (WeakSpec) and FlickerStrong (StrongSpec).
EXTENDS Naturals
VARIABLES x, done
vars == <<x, done>>

Init == x = 0 /\ done = FALSE
Toggle == ~done /\ x' = 1 - x /\ UNCHANGED done
Finish == x = 1 /\ ~done /\ done' = TRUE /\ UNCHANGED x
Next == Toggle \/ Finish

WeakSpec == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ WF_vars(Finish)
StrongSpec == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ SF_vars(Finish)

Finishes == <>done
====
