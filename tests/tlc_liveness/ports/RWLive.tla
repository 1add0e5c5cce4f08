---- MODULE RWLive ----
\* tests/tlc/readers_writers.py (ReadersWriters, ReadersWritersStopUnfair), NumActors = 3.
\* Needs specifications/ReadersWriters/ of tlaplus/Examples on the path.
EXTENDS ReadersWriters

NoStopFairSpec == /\ Init /\ [][Next]_vars
                  /\ \A a \in Actors : WF_vars(TryRead(a))
                  /\ \A a \in Actors : WF_vars(TryWrite(a))
                  /\ WF_vars(ReadOrWrite)

Reading == \A actor \in Actors : []<>(actor \in readers)
Writing == \A actor \in Actors : []<>(actor \in writers)
NotReading == \A actor \in Actors : []<>(actor \notin readers)
NotWriting == \A actor \in Actors : []<>(actor \notin writers)
====
