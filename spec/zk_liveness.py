"""What ZooKeeper's election exists for, as a liveness property of `ZkElection`: a mixin (it
needs `servers`, `q`, `max_round`, `max_epoch` and the Zab helpers), kept apart so the ensemble
module stays about the protocol. The fairness of each action is declared with the action and
tabled in spec/zk_election.md ("Liveness")."""

from __future__ import annotations

from checker import eventually_always
from spec.zk_fle import LEADING, LOOKING
from spec.zk_zab import ACTIVE, DISCOVERY


class ElectionLiveness:
    """The election settles: `leader_followed_by_quorum` and the two predicates it is made of."""

    def _led_by_quorum(self, s) -> bool:
        """A leader serves (a quorum acked NEWLEADER) and a quorum, itself included, serves under it."""
        for L in range(self.servers):
            if s.role[L] == LEADING and s.zab_phase[L] == ACTIVE:
                if 1 + sum(1 for f in range(self.servers) if f != L and self._linked(s, f, (ACTIVE,)) == L) >= self.q:
                    return True
        return False

    def _stopped_by_a_bound(self, s) -> bool:
        """A server needs a step the model's bounds forbid: a disconnected follower or leader at
        max_round (its next election round), or a leader whose next epoch would pass max_epoch."""
        for i in range(self.servers):
            if s.role[i] != LOOKING and s.election_round[i] >= self.max_round and not self._connected(s, i):
                return True
            if s.role[i] == LEADING and s.zab_phase[i] == DISCOVERY:
                fs = self._followers(s, i, (DISCOVERY,))
                if len(fs) + 1 >= self.q and max(s.accepted_epoch[q] for q in fs + [i]) >= self.max_epoch:
                    return True
        return False

    @eventually_always
    def leader_followed_by_quorum(self, s) -> bool:
        """Once faults stop, eventually a leader is established and followed by a quorum, for good
        (what the election exists for). Faults (crash, timeout, isolate_leader, lose) are never
        forced and their budgets bound them, so every behaviour stops faulting; deliveries,
        finalizeWait (decide), noticing a dead link (lose_leader) and every Zab step are weakly
        fair per instance, the re-send timer (renotify) strongly (zk_election.md, "Liveness"). A state
        where a bound of the model (max_round, max_epoch) forbids the next step counts as
        settled: the model ends there, the protocol would not (the same ends `settled_or_bounded`
        accepts). ZOOKEEPER-1419's non-transitive vote order breaks this property."""
        return self._led_by_quorum(s) or self._stopped_by_a_bound(s)

