"""The partition leader's side of Kafka replication (Partition.scala, ReplicaManager): become
leader, append produce requests, answer fetch requests and record each follower's fetch
offset from them, advance the high watermark over the maximal ISR, and propose ISR changes
to the controller as AlterPartition requests. Mixed into KafkaReplication
(spec/kafka_replication.py), which holds the state and the invariants."""

from __future__ import annotations

from checker import action
from spec.mechanics import epoch_end_offset, epoch_start_offset, set_at, slot_holds

NONE = -1
REQUEST, RESPONSE = 1, 2  # what a fetch slot holds (see kafka_replication_fetcher.py)
SENT, ACCEPTED, REJECTED = 0, 1, 2  # stages of an AlterPartition in flight


def _with(ids: tuple, x: int) -> tuple:
    return tuple(sorted(ids + (x,)))


def _without(ids: tuple, x: int) -> tuple:
    return tuple(i for i in ids if i != x)


def _replicas(spec, s):
    return range(spec.replicas)


def _requests(spec, s):
    return s.requests


class LeaderActions:
    """Actions a broker takes as the partition's leader (or as a zombie that believes it is)."""

    def hw_members(self, s, ldr: int) -> tuple:
        """The replicas whose fetch offsets bound the high watermark. Kafka (KIP-497,
        AsyncIsr) uses the maximal ISR: the committed ISR plus a pending expansion, and a
        pending shrink's removed member until the controller accepts it. With
        maximal_isr=False the leader uses its unaccepted proposal as if committed."""
        a = s.alter_in_flight[ldr]
        if not a or a[0] == REJECTED:
            return s.isr[ldr]
        if not self.maximal_isr or a[0] == ACCEPTED:
            return a[1]
        return tuple(sorted(set(s.isr[ldr]) | set(a[1])))

    @action(req=_requests, fair="weak", each=True)
    def become_leader(self, s, req: tuple):
        """ReplicaManager.makeLeaders: a LeaderAndIsr naming this replica leader with a newer
        epoch. The new leader keeps its log and its (lagging) high watermark; it knows no
        follower's fetch offset yet, and a pending AlterPartition is dropped."""
        e, r, isr = req
        if not s.alive[r] or e <= s.epoch[r]:
            return None
        return self._prune(s._replace(
            pending=self._drop_purgatory(s, r), epoch=set_at(s.epoch, r, e), leader=set_at(s.leader, r, r),
            isr=set_at(s.isr, r, isr), truncate_to=set_at(s.truncate_to, r, NONE),
            fetch_offsets=set_at(s.fetch_offsets, r, (NONE,) * self.replicas),
            alter_in_flight=set_at(s.alter_in_flight, r, ())))

    @action(r=_replicas)  # the client's choice: never forced (no fairness)
    def produce(self, s, r: int):
        """A produce request reaches a replica that believes it leads (zombies included).
        acks=all is refused (NOT_ENOUGH_REPLICAS) when the leader's ISR < min_insync."""
        if s.produced >= self.records or s.leader[r] != r or not s.alive[r]:
            return None
        if self.acks == "all" and len(self.hw_members(s, r)) < self.min_insync:
            return None
        rec = s.produced + 1
        s = s._replace(log=set_at(s.log, r, s.log[r] + ((rec, s.epoch[r]),)), produced=rec)
        if self.acks == "1":
            return s._replace(acked=s.acked + (rec,))
        if self.acks == "all":
            return s._replace(pending=s.pending + (rec,))
        return s

    @action(f=_replicas, fair="weak", each=True)
    def handle_fetch(self, s, f: int):
        """The leader's broker reads follower f's fetch request (fetch offset, last fetched
        epoch, current leader epoch). Not the leader: NOT_LEADER_OR_FOLLOWER. From KIP-320
        on: another epoch is FENCED / UNKNOWN_LEADER_EPOCH, and a fetch offset or last epoch
        that does not match the leader's log is answered with the diverging epoch and its
        end offset (the follower truncates); only a matching fetch records the follower's
        fetch offset (KAFKA-13141) and may propose f back into the ISR. Before KIP-320 every
        fetch is served and recorded. An
        error answer only makes the follower retry, so it is taken only once the follower
        has moved on; a fetch with nothing new to answer stays parked at the leader."""
        m = s.fetch[f]
        if not slot_holds(m, REQUEST):
            return None
        _, ldr, off, last_epoch, cur_epoch, broker_epoch = m
        stale = s.leader[f] != ldr or s.epoch[f] != cur_epoch or len(s.log[f]) != off or s.truncate_to[f] != NONE
        if s.leader[ldr] != ldr or (self.rule.on_fetch_response and cur_epoch != s.epoch[ldr]):
            # an error answer; the retry would be this same request, so it waits here until moot
            return s._replace(fetch=set_at(s.fetch, f, ())) if stale else None
        log = s.log[ldr]
        if self.rule.on_fetch_response and off > 0:
            at, end = epoch_end_offset(log, last_epoch)
            if at != last_epoch or end < off:
                return s._replace(fetch=set_at(s.fetch, f, (RESPONSE, ldr, cur_epoch, off, (), s.hw[ldr], end, at)))
        entry = (log[off],) if off < len(log) else ()
        recorded = s._replace(fetch_offsets=set_at(s.fetch_offsets, ldr, set_at(s.fetch_offsets[ldr], f, off)))
        t = self._maybe_expand(recorded, ldr, f, broker_epoch)
        news = (stale or entry or t.fetch_offsets != s.fetch_offsets or t.alter_in_flight != s.alter_in_flight
                or min(s.hw[ldr], off + len(entry)) > s.hw[f])
        if not news:
            return None  # parked in purgatory (DelayedFetch): an empty answer would change nothing
        return t._replace(fetch=set_at(s.fetch, f, (RESPONSE, ldr, cur_epoch, off, entry, s.hw[ldr], NONE, NONE)))

    @action(ldr=_replicas, fair="weak", each=True)
    def advance_hw(self, s, ldr: int):
        """Partition.maybeIncrementLeaderHW: hw = min over the maximal ISR of the fetch
        offsets the leader has recorded (its own log end for itself); under KIP-966 only
        while the ISR has min_insync members. Records of the leader's own epoch that pass the
        hw complete their acks=all produce requests if the ISR still has min_insync members
        (else NOT_ENOUGH_REPLICAS_AFTER_APPEND)."""
        if not s.alive[ldr] or s.leader[ldr] != ldr:
            return None
        members = self.hw_members(s, ldr)
        if self.elr and len(s.isr[ldr]) < self.min_insync:
            return None
        offsets = [s.fetch_offsets[ldr][x] for x in members if x != ldr]
        if NONE in offsets:
            return None
        new = min(offsets + [len(s.log[ldr])])
        old = s.hw[ldr]
        if new <= old:
            return None
        log = s.log[ldr]
        acked, weak, pending = s.acked, s.weak, s.pending
        enough = len(members) >= self.min_insync
        for o in range(old, new):
            rec = log[o][0]
            if rec in pending and log[o][1] == s.epoch[ldr]:
                pending = _without(pending, rec)
                if enough:
                    acked = _with(acked, rec)
                    copies = sum(1 for x in range(self.replicas) if len(s.log[x]) > o and s.log[x][o] == log[o])
                    if copies < self.min_insync:
                        weak = _with(weak, rec)
        visible = log[:new] if new > len(s.visible) else s.visible
        return s._replace(hw=set_at(s.hw, ldr, new), pending=pending, acked=acked, weak=weak, visible=visible)

    def _propose(self, s, ldr: int, isr: tuple, joiner: int = NONE, broker_epoch: int = NONE):
        proposal = (SENT, isr, s.isr[ldr], s.epoch[ldr], joiner, broker_epoch)
        return s._replace(alter_in_flight=set_at(s.alter_in_flight, ldr, proposal))

    @action(ldr=_replicas, f=_replicas, fair="weak", each=True)
    def shrink_isr(self, s, ldr: int, f: int):
        """Partition.maybeShrinkIsr: the leader proposes dropping a follower that lags
        (replica.lag.time.max.ms: its recorded fetch offset is behind the leader's log end
        or unknown in this epoch, or its broker is down and stopped fetching) in an
        AlterPartition request; one request in flight per partition."""
        if f == ldr or not s.alive[ldr] or s.leader[ldr] != ldr or s.alter_in_flight[ldr] or f not in s.isr[ldr]:
            return None
        if s.alive[f] and s.fetch_offsets[ldr][f] != NONE and s.fetch_offsets[ldr][f] >= len(s.log[ldr]):
            return None
        return self._propose(s, ldr, _without(s.isr[ldr], f))

    def _maybe_expand(self, s, ldr: int, f: int, broker_epoch: int):
        """Partition.maybeExpandIsr, run as the leader records a fetch from f: a follower not
        in the ISR whose fetch offset reached the leader's hw (from KIP-320 on also the
        start offset of the leader's epoch: a new leader's hw lags, KAFKA-7128) is proposed
        back in an AlterPartition request, unless one is already in flight. The request
        names f's broker epoch from its fetch (KIP-903), so the controller can refuse a
        replica that has restarted since."""
        if s.alter_in_flight[ldr] or f in s.isr[ldr]:
            return s
        off = s.fetch_offsets[ldr][f]
        if off < s.hw[ldr] or (self.rule.on_fetch_response and off < epoch_start_offset(s.log[ldr], s.epoch[ldr])):
            return s
        return self._propose(s, ldr, _with(s.isr[ldr], f), f, broker_epoch)

    @action(ldr=_replicas, fair="weak", each=True)
    def alter_partition_response(self, s, ldr: int):
        """The leader reads the controller's answer: accepted, the proposal becomes its
        committed ISR; rejected (INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH), it drops the
        proposal and keeps its ISR until the next LeaderAndIsr."""
        a = s.alter_in_flight[ldr]
        if not a or a[0] == SENT or not s.alive[ldr]:
            return None
        if a[0] == ACCEPTED:
            s = s._replace(isr=set_at(s.isr, ldr, a[1]))
        return s._replace(alter_in_flight=set_at(s.alter_in_flight, ldr, ()))
