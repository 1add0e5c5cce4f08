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

from typing import Literal, NamedTuple

import attrs

from checker import Spec, SpecError, action, fail, invariant, record, terminal
from invariants.groups import one_owner_per_partition, processed_at_most_once, processed_below_committed
from spec.mechanics import set_at

NONE = -1  # no owner / no position


@record
class GroupState(NamedTuple):
    # group coordinator (its state is in __consumer_offsets; it never fails in this model)
    gen: int  # current generation id
    phase: str  # 'stable' | 'rebalance' (PreparingRebalance; CompletingRebalance is folded into complete_rebalance)
    group: tuple[int, ...]  # members of generation `gen`, sorted
    joined: tuple[int, ...]  # members that sent JoinGroup during the current rebalance, sorted
    assign: tuple[int, ...]  # per partition: its owner in generation `gen` (NONE: unassigned)
    committed: tuple[int, ...]  # per partition: committed offset (next record to consume)
    # members (consumer processes)
    status: tuple[str, ...]  # per member: 'out' | 'joining' | 'active'
    mgen: tuple[int, ...]  # per member: the generation it believes it is in
    owned: tuple[tuple[int, ...], ...]  # per member: partitions it believes it owns
    pos: tuple[tuple[int, ...], ...]  # per member, per partition: fetch position (NONE if not owned)
    work: tuple[tuple, ...]  # per member: () or (partition, offset, stage) of the record in hand
    stalled: tuple[bool, ...]  # per member: frozen (GC pause / partitioned from the coordinator)
    # fault budgets left
    stalls: int
    crashes: int
    leaves: int
    # ghosts, read only by invariants
    processed: tuple[tuple[int, ...], ...]  # per partition, per offset: times processed (capped at 2)
    zombie_commit: tuple  # () or (member, its generation, why it is stale, partition, offset) of the first stale commit accepted


def assignment(assignor: str, members: tuple[int, ...], partitions: int) -> tuple[int, ...]:
    """Partition -> member, as the group leader's assignor computes it (one topic)."""
    out = [NONE] * partitions
    k = len(members)
    if not k:
        return tuple(out)
    if assignor == "roundrobin":
        for p in range(partitions):
            out[p] = members[p % k]
        return tuple(out)
    per, extra = divmod(partitions, k)  # RangeAssignor: contiguous ranges, first `extra` get one more
    p = 0
    for i, m in enumerate(members):
        for _ in range(per + (1 if i < extra else 0)):
            out[p] = m
            p += 1
    return tuple(out)


def _add(t: tuple[int, ...], m: int) -> tuple[int, ...]:
    return t if m in t else tuple(sorted(t + (m,)))


def _drop(t: tuple[int, ...], m: int) -> tuple[int, ...]:
    return tuple(x for x in t if x != m)


def _members(spec, s):
    return range(spec.members)


@attrs.frozen
class KafkaConsumerGroup(Spec):
    members: int = 2
    partitions: int = 2
    records: int = 1  # records per partition, produced before the group starts
    assignor: Literal["range", "roundrobin"] = "range"
    commit: Literal["after-processing", "before-processing"] = "after-processing"
    generation_fencing: bool = True  # OffsetCommit with a stale generation / unknown member is rejected
    stalls: int = 1  # member stalls (then session expiry makes it a zombie)
    crashes: int = 0  # member crashes (loses the record in hand)
    leaves: int = 1  # graceful LeaveGroup (consumer.close())
    max_generation: int = 4  # rebalances stop completing at this generation

    def __attrs_post_init__(self) -> None:
        problems = []
        if self.members < 1 or self.partitions < 1 or self.records < 1:
            problems.append(f"members={self.members}, partitions={self.partitions}, records={self.records} must each be at least 1")
        if min(self.stalls, self.crashes, self.leaves) < 0:
            problems.append("fault budgets (stalls, crashes, leaves) cannot be negative; 0 switches a fault off")
        if self.max_generation < 1:
            problems.append(f"max_generation={self.max_generation} must be at least 1, or no member ever gets an assignment")
        if problems:
            raise SpecError(
                f"KafkaConsumerGroup cannot be checked: {'; '.join(problems)}. "
                "A small exhaustive configuration is members=2, partitions=2, records=1, stalls=1, max_generation=4."
            )

    def promises(self) -> tuple[str, ...]:
        """What this commit mode guarantees: committing after processing promises
        at-least-once (a record may be processed twice), before processing promises
        at-most-once (a record may be lost). The other mode's invariant can still be
        checked by name, to see the counterexample."""
        last = "at_least_once" if self.commit == "after-processing" else "no_duplicate_processing"
        return ("one_owner_per_partition", "no_zombie_commit", "no_lost_records", last)

    def init(self):
        n, p = self.members, self.partitions
        yield GroupState(
            gen=0, phase="stable", group=(), joined=(), assign=(NONE,) * p, committed=(0,) * p,
            status=("out",) * n, mgen=(0,) * n, owned=((),) * n, pos=((NONE,) * p,) * n, work=((),) * n,
            stalled=(False,) * n, stalls=self.stalls, crashes=self.crashes, leaves=self.leaves,
            processed=((0,) * self.records,) * p, zombie_commit=(),
        )

    # -- helpers -------------------------------------------------------------------------------

    def _forget(self, s: GroupState, m: int, **changes) -> GroupState:
        """Member m drops everything it believes about the group (not the coordinator's view)."""
        return s._replace(
            status=set_at(s.status, m, "out"), owned=set_at(s.owned, m, ()),
            pos=set_at(s.pos, m, (NONE,) * self.partitions), work=set_at(s.work, m, ()), **changes,
        )

    def _membership_changed(self, s: GroupState, group: tuple, joined: tuple) -> GroupState:
        """A join, leave or expiry: a stable group starts rebalancing."""
        return s._replace(group=group, joined=joined, phase="rebalance")

    # -- membership: JoinGroup / SyncGroup / Heartbeat / LeaveGroup -------------------------------

    @action(m=_members)
    def join(self, s, m):
        """A member not in the group sends JoinGroup (start, restart, or after being fenced)."""
        if s.status[m] != "out" or s.stalled[m] or m in s.group or m in s.joined:
            return None
        s = self._membership_changed(s, s.group, _add(s.joined, m))
        return s._replace(status=set_at(s.status, m, "joining"))

    @action(m=_members)
    def rejoin(self, s, m):
        """A current member learns of the rebalance from a heartbeat or from its SyncGroup
        (REBALANCE_IN_PROGRESS); in its next poll() it revokes all its partitions (eager
        protocol) and sends JoinGroup again."""
        if s.phase != "rebalance" or s.status[m] == "out" or s.stalled[m] or s.work[m]:
            return None
        if m not in s.group or m in s.joined or (s.status[m] == "active" and s.mgen[m] != s.gen):
            return None
        return s._replace(
            joined=_add(s.joined, m), status=set_at(s.status, m, "joining"), owned=set_at(s.owned, m, ()),
            pos=set_at(s.pos, m, (NONE,) * self.partitions),
        )

    @action
    def complete_rebalance(self, s):
        """Every member of the old generation has rejoined or been removed: the coordinator
        bumps the generation and the leader's assignment is installed (JoinGroup + SyncGroup)."""
        if s.phase != "rebalance" or not set(s.group) <= set(s.joined) or s.gen >= self.max_generation:
            return None
        return s._replace(
            gen=s.gen + 1, phase="stable", group=s.joined, joined=(), assign=assignment(self.assignor, s.joined, self.partitions)
        )

    @action(m=_members)
    def sync(self, s, m):
        """The member gets its JoinGroup/SyncGroup responses for the new generation and fetches
        the committed offsets of its partitions (OffsetFetch) to start from."""
        if s.status[m] != "joining" or s.stalled[m] or s.phase != "stable" or m not in s.group:
            return None
        mine = tuple(p for p in range(self.partitions) if s.assign[p] == m)
        pos = tuple(s.committed[p] if p in mine else NONE for p in range(self.partitions))
        return s._replace(
            status=set_at(s.status, m, "active"), mgen=set_at(s.mgen, m, s.gen), owned=set_at(s.owned, m, mine), pos=set_at(s.pos, m, pos)
        )

    @action(m=_members)
    def fenced(self, s, m):
        """A heartbeat (or the join) of a member the coordinator no longer knows, or of a stale
        generation, fails (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION): in its next poll() it drops
        its partitions (onPartitionsLost) and must join again."""
        if s.status[m] == "out" or s.stalled[m] or s.work[m]:
            return None
        known = m in s.group or m in s.joined
        if known and (s.status[m] == "joining" or s.mgen[m] == s.gen):
            return None
        return self._forget(s, m)

    @action(m=_members)
    def leave(self, s, m):
        """consumer.close(): the member sends LeaveGroup between polls."""
        if s.leaves == 0 or s.status[m] != "active" or s.stalled[m] or s.work[m] or m not in s.group or s.mgen[m] != s.gen:
            return None
        s = self._membership_changed(s, _drop(s.group, m), _drop(s.joined, m))
        return self._forget(s, m, leaves=s.leaves - 1)

    @action(m=_members)
    def expire(self, s, m):
        """Session (or rebalance) timeout: the coordinator removes a member that stopped
        heartbeating — one that is stalled, or crashed while still registered."""
        if not (m in s.group or m in s.joined) or not (s.stalled[m] or s.status[m] == "out"):
            return None
        return self._membership_changed(s, _drop(s.group, m), _drop(s.joined, m))

    # -- consuming --------------------------------------------------------------------------------

    @action(m=_members, p=lambda spec, s: range(spec.partitions))
    def poll(self, s, m, p):
        """poll() returns the next record of an owned partition (max.poll.records = 1). Fetches
        go to the partition leader, which does not check group generations."""
        if s.status[m] != "active" or s.stalled[m] or s.work[m] or p not in s.owned[m]:
            return None
        off = s.pos[m][p]
        if off >= self.records:
            return None
        return s._replace(work=set_at(s.work, m, (p, off, "fetched")), pos=set_at(s.pos, m, set_at(s.pos[m], p, off + 1)))

    @action(m=_members)
    def process(self, s, m):
        """The application processes the record in hand (its side effect happens here)."""
        w = s.work[m]
        ready = "fetched" if self.commit == "after-processing" else "committed"
        if not w or w[2] != ready or s.stalled[m]:
            return None
        p, off, _ = w
        counts = set_at(s.processed[p], off, min(s.processed[p][off] + 1, 2))
        s = s._replace(processed=set_at(s.processed, p, counts))
        if self.commit == "after-processing":
            return s._replace(work=set_at(s.work, m, (p, off, "processed")))
        return s._replace(work=set_at(s.work, m, ()))

    @action(m=_members)
    def commit_offset(self, s, m):
        """commitSync(offset + 1) for the record in hand: OffsetCommit carrying the member's
        generation. Rejected (CommitFailedException) when fencing is on and the generation is
        stale or the member unknown; the consumer then drops its partitions and rejoins."""
        w = s.work[m]
        ready = "processed" if self.commit == "after-processing" else "fetched"
        if not w or w[2] != ready or s.stalled[m]:
            return None
        p, off, _ = w
        current = m in s.group and s.mgen[m] == s.gen
        if self.generation_fencing and not current:
            return self._forget(s, m)
        why = "was removed from the group" if m not in s.group else f"is behind the group's generation {s.gen}"
        zombie = s.zombie_commit or ((m, s.mgen[m], why, p, off + 1) if not current else ())
        s = s._replace(committed=set_at(s.committed, p, off + 1), zombie_commit=zombie)
        done = () if self.commit == "after-processing" else (p, off, "committed")
        return s._replace(work=set_at(s.work, m, done))

    # -- faults -----------------------------------------------------------------------------------

    @action(m=_members)
    def stall(self, s, m):
        """The member freezes (long GC pause, or cut off from the coordinator): no heartbeats."""
        if s.stalls == 0 or s.stalled[m] or s.status[m] == "out":
            return None
        return s._replace(stalled=set_at(s.stalled, m, True), stalls=s.stalls - 1)

    @action(m=_members)
    def resume(self, s, m):
        """The stalled member runs again, still believing in its generation and partitions."""
        if not s.stalled[m]:
            return None
        return s._replace(stalled=set_at(s.stalled, m, False))

    @action(m=_members)
    def crash(self, s, m):
        """The consumer process dies: it loses the record in hand and its position. The
        coordinator still counts it until its session expires."""
        if s.crashes == 0 or s.status[m] == "out" or s.stalled[m]:
            return None
        return self._forget(s, m, crashes=s.crashes - 1)

    @terminal
    def quiescent(self, s):
        """Every record is committed, or the generation bound stops the group from moving on."""
        return all(c == self.records for c in s.committed) or s.gen >= self.max_generation

    # -- invariants -------------------------------------------------------------------------------

    @invariant
    def one_owner_per_partition(self, s):
        """No partition is owned by two current members (in the coordinator's generation)."""
        current = {m: s.owned[m] for m in s.group if s.mgen[m] == s.gen}
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
        in_flight = [(w[0], w[1]) for m, w in enumerate(s.work) if w]
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
