---- MODULE Serve ----
\* tests/specs_for_liveness.py: ServeWhole (WholeSpec) and ServeEach (EachSpec).
VARIABLE pending
Clients == {1, 2}

Init == pending = [c \in Clients |-> FALSE]
Request(c) == ~pending[c] /\ pending' = [pending EXCEPT ![c] = TRUE]
Serve(c) == pending[c] /\ pending' = [pending EXCEPT ![c] = FALSE]
Next == \E c \in Clients : Request(c) \/ Serve(c)

WholeSpec == Init /\ [][Next]_pending /\ WF_pending(\E c \in Clients : Serve(c))
EachSpec == Init /\ [][Next]_pending /\ \A c \in Clients : WF_pending(Serve(c))

Served1 == pending[1] ~> ~pending[1]
Served2 == pending[2] ~> ~pending[2]
====
