"""Kafka consumer group (classic protocol, eager rebalancing) with offset commits, member
stalls (zombies), crashes and graceful leaves. The action -> Kafka map and the named
abstractions are in kafka_consumer_group.md.

The group coordinator keeps the generation, its members and the assignment; members keep
what they *believe* (their generation and owned partitions). The two diverge exactly when a
member stalls and is expired: it comes back as a zombie that still processes and commits
for a generation that is gone, and only generation fencing of OffsetCommit stops it.
Each partition holds `records` records produced before the group starts.
"""

from __future__ import annotations

from typing import Annotated, Literal, NamedTuple

import attrs

from checker import Range, Spec, action, eventually_always, fail, invariant, record, terminal
from invariants.groups import one_owner_per_partition, processed_at_most_once, processed_below_committed
from spec.mechanics import budget_left, id_set_add, id_set_remove, set_at

NONE = -1  # no owner / no position


@record
class GroupState(NamedTuple):
    # group coordinator (its state is in __consumer_offsets; it never fails in this model)
    generation: int  # current generation id
    phase: str  # 'stable' | 'rebalance' (PreparingRebalance; CompletingRebalance is folded into complete_rebalance)
    group: tuple[int, ...]  # id set: members of generation `generation`
    joined: tuple[int, ...]  # id set: members that sent JoinGroup during the current rebalance
    assignment: tuple[int, ...]  # per partition: its owner in generation `generation` (NONE: unassigned)
    committed: tuple[int, ...]  # per partition: committed offset (next record to consume)
    # members (consumer processes)
    status: tuple[str, ...]  # per member: 'out' | 'joining' | 'active'
    member_generation: tuple[int, ...]  # per member: the generation it believes it is in
    owned: tuple[tuple[int, ...], ...]  # per member: partitions it believes it owns
    position: tuple[tuple[int, ...], ...]  # per member, per partition: fetch position (NONE if not owned)
    in_hand: tuple[tuple, ...]  # per member: () or (partition, offset, stage) of the record it polled
    stalled: tuple[bool, ...]  # per member: frozen (GC pause / partitioned from the coordinator)
    # faults so far (budgets count up to the constants of the same name)
    stalls_used: int
    crashes_used: int
    leaves_used: int
    # ghosts, read only by invariants
    processed: tuple[tuple[int, ...], ...]  # per partition, per offset: times processed (capped at 2)
    zombie_commit: tuple  # () or (member, its generation, why it is stale, partition, offset) of the first stale commit accepted


def range_assignor(members: tuple[int, ...], partitions: int) -> tuple[int, ...]:
    """RangeAssignor: contiguous ranges, the first `partitions % len(members)` members get one more."""
    out = [NONE] * partitions
    per, extra = divmod(partitions, len(members))
    p = 0
    for i, m in enumerate(members):
        for _ in range(per + (1 if i < extra else 0)):
            out[p] = m
            p += 1
    return tuple(out)


def roundrobin_assignor(members: tuple[int, ...], partitions: int) -> tuple[int, ...]:
    """RoundRobinAssignor (one topic): partition p to the (p mod n)th member."""
    return tuple(members[p % len(members)] for p in range(partitions))


ASSIGNORS = {"range": range_assignor, "roundrobin": roundrobin_assignor}


def assignment(assignor: str, members: tuple[int, ...], partitions: int) -> tuple[int, ...]:
    """Partition -> member, as the group leader's assignor computes it (one topic)."""
    if not members:
        return (NONE,) * partitions
    return ASSIGNORS[assignor](members, partitions)


DONE = None  # the record in hand is finished: the member may poll the next one


@attrs.frozen
class CommitOrder:
    """Where the offset commit sits relative to processing: which stage of the record in
    hand each step starts from and leaves it in, and which delivery promise that makes."""

    process_from: str  # process() takes a record in this stage
    processed: str | None  # ... and leaves it in this one (DONE: finished)
    commit_from: str  # commit_offset() takes a record in this stage
    committed: str | None  # ... and leaves it in this one
    promise: str  # the invariant this order guarantees (the other can be checked by name)


COMMIT_ORDERS = {
    "after-processing": CommitOrder("fetched", "processed", "processed", DONE, promise="at_least_once"),
    "before-processing": CommitOrder("committed", DONE, "fetched", "committed", promise="no_duplicate_processing"),
}


def _members(spec, s):
    return range(spec.members)


OFF = "0 switches it off"


@attrs.frozen
class KafkaConsumerGroup(Spec):
    members: Annotated[int, Range(1)] = 2
    partitions: Annotated[int, Range(1)] = 2
    records: Annotated[int, Range(1)] = 1  # records per partition, produced before the group starts
    assignor: Literal["range", "roundrobin"] = "range"
    commit: Literal["after-processing", "before-processing"] = "after-processing"
    generation_fencing: bool = True  # OffsetCommit with a stale generation / unknown member is rejected
    stalls: Annotated[int, Range(0, why=OFF)] = 1  # member stalls (then session expiry makes it a zombie)
    crashes: Annotated[int, Range(0, why=OFF)] = 0  # member crashes (loses the record in hand)
    leaves: Annotated[int, Range(0, why=OFF)] = 1  # graceful LeaveGroup (consumer.close())
    max_generation: Annotated[int, Range(1, why="or no member ever gets an assignment")] = 4  # rebalances stop completing here

    @property
    def order(self) -> CommitOrder:
        return COMMIT_ORDERS[self.commit]

    def promises(self) -> tuple[str, ...]:
        """What this commit mode guarantees: committing after processing promises
        at-least-once (a record may be processed twice), before processing promises
        at-most-once (a record may be lost). The other mode's invariant can still be
        checked by name, to see the counterexample."""
        return ("one_owner_per_partition", "no_zombie_commit", "no_lost_records", self.order.promise)

    def init(self):
        n, p = self.members, self.partitions
        yield GroupState(
            generation=0, phase="stable", group=(), joined=(), assignment=(NONE,) * p, committed=(0,) * p,
            status=("out",) * n, member_generation=(0,) * n, owned=((),) * n, position=((NONE,) * p,) * n,
            in_hand=((),) * n, stalled=(False,) * n, stalls_used=0, crashes_used=0, leaves_used=0,
            processed=((0,) * self.records,) * p, zombie_commit=(),
        )

    # -- helpers -------------------------------------------------------------------------------

    def _forget(self, s: GroupState, m: int, **changes) -> GroupState:
        """Member m drops everything it believes about the group (not the coordinator's view)."""
        return s._replace(
            status=set_at(s.status, m, "out"), owned=set_at(s.owned, m, ()),
            position=set_at(s.position, m, (NONE,) * self.partitions), in_hand=set_at(s.in_hand, m, ()), **changes,
        )

    @staticmethod
    def _next_stage(p: int, off: int, stage: str | None) -> tuple:
        """The record in hand moved on to `stage`, or () once it is DONE."""
        return () if stage is DONE else (p, off, stage)

    def _membership_changed(self, s: GroupState, group: tuple, joined: tuple) -> GroupState:
        """A join, leave or expiry: a stable group starts rebalancing."""
        return s._replace(group=group, joined=joined, phase="rebalance")

    # -- membership: JoinGroup / SyncGroup / Heartbeat / LeaveGroup -------------------------------

    @action(m=_members)  # the application's choice to (re)start a consumer: never forced
    def join(self, s, m):
        """A member not in the group sends JoinGroup (start, restart, or after being fenced)."""
        if s.status[m] != "out" or s.stalled[m] or m in s.group or m in s.joined:
            return None
        s = self._membership_changed(s, s.group, id_set_add(s.joined, m))
        return s._replace(status=set_at(s.status, m, "joining"))

    @action(m=_members, fair="weak", each=True)  # the heartbeat thread learns of the rebalance; poll() rejoins
    def rejoin(self, s, m):
        """A current member learns of the rebalance from a heartbeat or from its SyncGroup
        (REBALANCE_IN_PROGRESS); in its next poll() it revokes all its partitions (eager
        protocol) and sends JoinGroup again."""
        if s.phase != "rebalance" or s.status[m] == "out" or s.stalled[m] or s.in_hand[m]:
            return None
        if m not in s.group or m in s.joined or (s.status[m] == "active" and s.member_generation[m] != s.generation):
            return None
        return s._replace(
            joined=id_set_add(s.joined, m), status=set_at(s.status, m, "joining"), owned=set_at(s.owned, m, ()),
            position=set_at(s.position, m, (NONE,) * self.partitions),
        )

    @action(fair="weak")  # the coordinator completes once every member rejoined or was removed
    def complete_rebalance(self, s):
        """Every member of the old generation has rejoined or been removed: the coordinator
        bumps the generation and the leader's assignment is installed (JoinGroup + SyncGroup)."""
        if s.phase != "rebalance" or not set(s.group) <= set(s.joined) or s.generation >= self.max_generation:
            return None
        return s._replace(
            generation=s.generation + 1, phase="stable", group=s.joined, joined=(),
            assignment=assignment(self.assignor, s.joined, self.partitions),
        )

    @action(m=_members, fair="weak", each=True)  # the JoinGroup/SyncGroup responses arrive
    def sync(self, s, m):
        """The member gets its JoinGroup/SyncGroup responses for the new generation and fetches
        the committed offsets of its partitions (OffsetFetch) to start from."""
        if s.status[m] != "joining" or s.stalled[m] or s.phase != "stable" or m not in s.group:
            return None
        mine = tuple(p for p in range(self.partitions) if s.assignment[p] == m)
        pos = tuple(s.committed[p] if p in mine else NONE for p in range(self.partitions))
        return s._replace(
            status=set_at(s.status, m, "active"), member_generation=set_at(s.member_generation, m, s.generation),
            owned=set_at(s.owned, m, mine), position=set_at(s.position, m, pos),
        )

    @action(m=_members, fair="weak", each=True)  # the next heartbeat fails
    def fenced(self, s, m):
        """A heartbeat (or the join) of a member the coordinator no longer knows, or of a stale
        generation, fails (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION): in its next poll() it drops
        its partitions (onPartitionsLost) and must join again."""
        if s.status[m] == "out" or s.stalled[m] or s.in_hand[m]:
            return None
        known = m in s.group or m in s.joined
        if known and (s.status[m] == "joining" or s.member_generation[m] == s.generation):
            return None
        return self._forget(s, m)

    @action(m=_members)  # the application's choice (consumer.close()): never forced
    def leave(self, s, m):
        """consumer.close(): the member sends LeaveGroup between polls."""
        if not budget_left(s.leaves_used, self.leaves) or s.status[m] != "active" or s.stalled[m] or s.in_hand[m]:
            return None
        if m not in s.group or s.member_generation[m] != s.generation:
            return None
        s = self._membership_changed(s, id_set_remove(s.group, m), id_set_remove(s.joined, m))
        return self._forget(s, m, leaves_used=s.leaves_used + 1)

    @action(m=_members, fair="weak", each=True)  # the session timeout fires
    def expire(self, s, m):
        """Session (or rebalance) timeout: the coordinator removes a member that stopped
        heartbeating — one that is stalled, or crashed while still registered."""
        if not (m in s.group or m in s.joined) or not (s.stalled[m] or s.status[m] == "out"):
            return None
        return self._membership_changed(s, id_set_remove(s.group, m), id_set_remove(s.joined, m))

    # -- consuming --------------------------------------------------------------------------------

    @action(m=_members, p=lambda spec, s: range(spec.partitions), fair="weak", each=True)  # the application keeps calling poll() (max.poll.interval.ms)
    def poll(self, s, m, p):
        """poll() returns the next record of an owned partition (max.poll.records = 1). Fetches
        go to the partition leader, which does not check group generations."""
        if s.status[m] != "active" or s.stalled[m] or s.in_hand[m] or p not in s.owned[m]:
            return None
        off = s.position[m][p]
        if off >= self.records:
            return None
        return s._replace(in_hand=set_at(s.in_hand, m, (p, off, "fetched")),
                          position=set_at(s.position, m, set_at(s.position[m], p, off + 1)))

    @action(m=_members, fair="weak", each=True)  # the application finishes the record it polled
    def process(self, s, m):
        """The application processes the record in hand (its side effect happens here)."""
        record = s.in_hand[m]
        if not record or record[2] != self.order.process_from or s.stalled[m]:
            return None
        p, off, _ = record
        counts = set_at(s.processed[p], off, min(s.processed[p][off] + 1, 2))
        return s._replace(processed=set_at(s.processed, p, counts),
                          in_hand=set_at(s.in_hand, m, self._next_stage(p, off, self.order.processed)))

    @action(m=_members, fair="weak", each=True)  # commitSync() returns
    def commit_offset(self, s, m):
        """commitSync(offset + 1) for the record in hand: OffsetCommit carrying the member's
        generation. Rejected (CommitFailedException) when fencing is on and the generation is
        stale or the member unknown; the consumer then drops its partitions and rejoins."""
        record = s.in_hand[m]
        if not record or record[2] != self.order.commit_from or s.stalled[m]:
            return None
        p, off, _ = record
        current = m in s.group and s.member_generation[m] == s.generation
        if self.generation_fencing and not current:
            return self._forget(s, m)
        why = "was removed from the group" if m not in s.group else f"is behind the group's generation {s.generation}"
        zombie = s.zombie_commit or ((m, s.member_generation[m], why, p, off + 1) if not current else ())
        s = s._replace(committed=set_at(s.committed, p, off + 1), zombie_commit=zombie)
        return s._replace(in_hand=set_at(s.in_hand, m, self._next_stage(p, off, self.order.committed)))

    # -- faults -----------------------------------------------------------------------------------

    @action(m=_members)  # a fault: never forced
    def stall(self, s, m):
        """The member freezes (long GC pause, or cut off from the coordinator): no heartbeats."""
        if not budget_left(s.stalls_used, self.stalls) or s.stalled[m] or s.status[m] == "out":
            return None
        return s._replace(stalled=set_at(s.stalled, m, True), stalls_used=s.stalls_used + 1)

    @action(m=_members)  # a stall may last for ever: never forced
    def resume(self, s, m):
        """The stalled member runs again, still believing in its generation and partitions."""
        if not s.stalled[m]:
            return None
        return s._replace(stalled=set_at(s.stalled, m, False))

    @action(m=_members)  # a fault: never forced
    def crash(self, s, m):
        """The consumer process dies: it loses the record in hand and its position. The
        coordinator still counts it until its session expires."""
        if not budget_left(s.crashes_used, self.crashes) or s.status[m] == "out" or s.stalled[m]:
            return None
        return self._forget(s, m, crashes_used=s.crashes_used + 1)

    @terminal
    def quiescent(self, s):
        """Every record is committed, or the generation bound stops the group from moving on."""
        return all(c == self.records for c in s.committed) or s.generation >= self.max_generation

    # -- liveness ---------------------------------------------------------------------------------

    def _every_partition_owned(self, s: GroupState) -> bool:
        """The group is stable and each partition's assigned member has synced into the current
        generation and owns it; or no member is left to own anything."""
        if s.phase != "stable":
            return False
        if not s.group:
            return True
        return all(m != NONE and s.status[m] == "active" and s.member_generation[m] == s.generation and p in s.owned[m]
                   for p, m in enumerate(s.assignment))

    @eventually_always
    def partitions_owned(self, s):
        """Once members stop failing, a rebalance completes and every partition is owned, for
        good. Fairness (kafka_consumer_group.md, "Liveness"): the coordinator (complete_rebalance,
        expire) and the members' client loops (rejoin, sync, fenced, poll, process,
        commit_offset) are weakly fair; faults (stall, crash) and the application's choices
        (join, leave) are never forced, and a stall may last for ever (resume is not forced):
        the session timeout removes the member. At the max_generation bound no rebalance can
        complete (an end of the model, as `quiescent` says), so it counts as settled."""
        return self._every_partition_owned(s) or s.generation >= self.max_generation

    # -- invariants -------------------------------------------------------------------------------

    @invariant
    def one_owner_per_partition(self, s):
        """No partition is owned by two current members (in the coordinator's generation)."""
        current = {m: s.owned[m] for m in s.group if s.member_generation[m] == s.generation}
        return one_owner_per_partition(current)

    @invariant
    def no_zombie_commit(self, s):
        """No OffsetCommit from an old generation or an expelled member was accepted."""
        if not s.zombie_commit:
            return True
        m, mg, why, p, off = s.zombie_commit
        return fail(f"member {m} (generation {mg}) had offset {off} of partition {p} accepted although it {why}")

    @invariant
    def no_lost_records(self, s):
        """Below each committed offset every record was processed, or is still in the hands of
        a running member that has committed it and will process it."""
        in_flight = [(record[0], record[1]) for record in s.in_hand if record]
        return processed_below_committed(s.committed, s.processed, in_flight, what="lost")

    @invariant
    def at_least_once(self, s):
        """The commit-after-processing promise: a record is processed before its offset is
        committed, so a failure can only cause reprocessing, never a skip."""
        return processed_below_committed(s.committed, s.processed, (), what="committed before processing")

    @invariant
    def no_duplicate_processing(self, s):
        """No record is processed twice (the commit-before-processing promise, with fencing)."""
        return processed_at_most_once(s.processed)
