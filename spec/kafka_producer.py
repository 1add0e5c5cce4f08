"""Kafka's producer-to-leader path at the level where ordering and duplicates are decided:
the producer's batches, sequence numbers and retries, one connection per partition leader
with up to `max_in_flight` requests, the leader's idempotence checks (5 cached batches per
producer), leader failover and producer restarts. The action -> Kafka map and the named
abstractions are in kafka_producer.md.

One record is one batch. Log entries and requests are `(record, epoch, seq)`; without
idempotence `seq` is -1 and `epoch` is the producer instance (a ghost: Kafka sends no epoch,
only `zombie_fenced` reads it). Consumers read the committed prefix `log[p][:hw[p]]`.
"""

from __future__ import annotations

import functools
from typing import Annotated, Callable, NamedTuple

import attrs

from checker import Range, Spec, SpecError, action, eventually, invariant, record, terminal
from invariants import producer as inv
from spec.kafka_producer_flow import ProducerFlow
from spec.mechanics import bag_add, bag_distinct, bag_remove, budget_left, fifo_receive, fifo_send, log_append, set_at

CACHED_BATCHES = 5  # ProducerStateEntry.NUM_BATCHES_TO_RETAIN
NEW, RETRY, INFLIGHT, ACKED = "new", "retry", "inflight", "acked"
NO_STAMP = (-1, -1)


@record
class ProducerState(NamedTuple):
    # producer (client)
    status: tuple[str, ...]  # per record: new | retry | inflight | acked
    retries_used: tuple[int, ...]  # per record: retries spent (counts up to `retries`)
    stamp: tuple[tuple[int, int], ...]  # per record: (epoch, seq) it carries when (re)sent
    epoch: int  # producer epoch (instance number without idempotence)
    restarts: int  # producer restarts so far (counts up to `producer_restarts`)
    # per partition: the connection to its leader and the leader
    requests: tuple[tuple, ...]  # FIFO channel: requests sent, not yet read by the leader (TCP order)
    responses: tuple[tuple, ...]  # FIFO channel: responses (record, outcome, offset) not yet read by the producer
    late_requests: tuple[tuple, ...]  # bag: requests read from a connection since closed, still to be handled
    log: tuple[tuple, ...]  # the leader's log: entries (record, epoch, seq)
    hw: tuple[int, ...]  # high watermark = the in-sync follower's log end offset
    failovers: int  # leader failovers so far (counts up to `max_failovers`)


@functools.lru_cache(maxsize=None)
def partition_of(records: int, partitions: int, keys: int, explicit: tuple[int, ...]) -> tuple[int, ...]:
    """Kafka's partitioner per record: the explicit partition, else hash(key) % partitions,
    else round robin over the keyless records. Record i has key i % keys when keys > 0
    (the hash is the identity: which keys collide does not change ordering or duplicates)."""
    out, robin = [], 0
    for i in range(records):
        if explicit and explicit[i] >= 0:
            out.append(explicit[i])
        elif keys > 0:
            out.append((i % keys) % partitions)
        else:
            out.append(robin % partitions)
            robin += 1
    return tuple(out)


@functools.lru_cache(maxsize=None)
def sent_orders(records: int, partitions: int, keys: int, explicit: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Per partition, its records in the order the application sends them (constants only:
    computed once, since every invariant asks for it on every state)."""
    part = partition_of(records, partitions, keys, explicit)
    return tuple(tuple(r for r in range(records) if part[r] == p) for p in range(partitions))


def producer_state(log: tuple) -> tuple[int | None, tuple]:
    """What the leader knows of the producer, rebuilt from its log (as after a failover or
    restart): the latest epoch, and the entries of that epoch still cached (up to 5, newest
    last). A new epoch clears the cached batches."""
    if not log:
        return None, ()
    epoch = log[-1][1]
    cached = []
    for off in range(len(log) - 1, -1, -1):
        if log[off][1] != epoch or len(cached) == CACHED_BATCHES:
            break
        cached.append((log[off][2], off))
    return epoch, tuple(reversed(cached))


def _parts(spec, s):
    return range(spec.partitions)


OFF = "0 switches it off"


@attrs.frozen
class KafkaProducer(ProducerFlow, Spec):
    records: Annotated[int, Range(1)] = 3
    partitions: Annotated[int, Range(1)] = 1
    keys: Annotated[int, Range(0)] = 0  # 0: keyless records (round robin); k > 0: record i has key i % k
    max_in_flight: Annotated[int, Range(1)] = 5  # max.in.flight.requests.per.connection
    retries: Annotated[int, Range(0, why=OFF)] = 2  # per batch; also bounds the faults (a fault needs a retry left)
    idempotence: bool = True  # enable.idempotence
    lossy_network: bool = True  # connections drop (request/response lost, timeout); retriable broker errors
    max_failovers: Annotated[int, Range(0, why=OFF)] = 1  # leader crashes; 0 switches replication off (acks=all is immediate)
    producer_restarts: Annotated[int, Range(0, why=OFF)] = 0  # new producer instance with the same transactional.id (epoch bump)
    strict_first_seq: bool = True  # leader rejects a non-zero first sequence of an unknown producer (KAFKA-15591 fix)
    explicit: tuple[int, ...] = ()  # optional explicit partition per record (-1: none)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()  # the declared ranges
        if self.explicit and (len(self.explicit) != self.records or any(not -1 <= p < self.partitions for p in self.explicit)):
            raise SpecError(
                f"KafkaProducer: explicit={self.explicit} must give one partition in -1..{self.partitions - 1} per "
                f"record ({self.records}). Give one entry per record (-1 lets the partitioner choose), or explicit=()."
            )

    # -- helpers -------------------------------------------------------------------------------

    @property
    def part(self) -> tuple[int, ...]:
        return partition_of(self.records, self.partitions, self.keys, self.explicit)

    def sent_order(self, p: int) -> tuple[int, ...]:
        """Records of partition p in the order the application sends them."""
        return sent_orders(self.records, self.partitions, self.keys, self.explicit)[p]

    def committed(self, s: ProducerState, p: int) -> tuple:
        """What a consumer reading partition p in offset order can ever see: the log below
        the high watermark (never truncated, so no consumer position is needed)."""
        return s.log[p][: s.hw[p]]

    def _with_log(self, s: ProducerState, p: int, log: tuple) -> dict:
        # without failovers the follower is always in sync: appended means committed
        hw = s.hw if self.max_failovers else set_at(s.hw, p, len(log))
        return {"log": set_at(s.log, p, log), "hw": hw}

    def _released(self, s: ProducerState, p: int, response: tuple) -> bool:
        """acks=all: a success is sent back only once the follower has the batch."""
        return response[1] not in ("ok", "dup") or response[2] < s.hw[p]

    def _leader_free(self, s: ProducerState, p: int) -> bool:
        """The leader reads the next request of a connection only after it has sent the
        response to the previous one (the channel is muted meanwhile)."""
        return not s.responses[p] or self._released(s, p, s.responses[p][-1])

    def handle(self, log: tuple, req: tuple) -> tuple[str, int]:
        """The leader's verdict on a produce request: (outcome, offset). UnifiedLog /
        ProducerAppendInfo checks, in Kafka's order: duplicate, epoch, sequence."""
        r, epoch, seq = req
        if not self.idempotence:
            return "ok", len(log)
        known, cached = producer_state(log)
        if known == epoch:
            for cseq, off in cached:
                if cseq == seq:
                    return "dup", off
        if known is not None and epoch < known:
            return "fenced", -1  # INVALID_PRODUCER_EPOCH
        if known is None:
            ok = seq == 0 or not self.strict_first_seq
        elif epoch > known:
            ok = seq == 0
        else:
            ok = seq == log[-1][2] + 1
        return ("ok", len(log)) if ok else ("oos", -1)  # OUT_OF_ORDER_SEQUENCE_NUMBER

    def head(self, s: ProducerState, p: int) -> int | None:
        """The batch at the front of partition p's queue: retries go back in front, in order."""
        for r in self.sent_order(p):
            if s.status[r] in (NEW, RETRY):
                return r
        return None

    def last_acked_seq(self, s: ProducerState, p: int) -> int:
        seqs = [s.stamp[r][1] for r in self.sent_order(p) if s.status[r] == ACKED and s.stamp[r][0] == s.epoch]
        return max(seqs, default=-1)

    # -- the producer --------------------------------------------------------------------------

    def init(self):
        n, m = self.records, self.partitions
        yield ProducerState(
            status=(NEW,) * n, retries_used=(0,) * n, stamp=(NO_STAMP,) * n, epoch=0, restarts=0,
            requests=((),) * m, responses=((),) * m, late_requests=((),) * m, log=((),) * m, hw=(0,) * m, failovers=0,
        )

    @action(p=_parts, fair="weak", each=True)  # the Sender thread loops over every ready partition
    def send(self, s, p):
        """Sender drains the head batch of p into a produce request (stamping a new batch
        with the next sequence) if the connection has fewer than max_in_flight requests."""
        r = self.head(s, p)
        if r is None or len(s.requests[p]) + len(s.responses[p]) >= self.max_in_flight:
            return None
        mine = self.sent_order(p)
        stamp = s.stamp[r]
        if self.idempotence:
            flying = [x for x in mine if s.status[x] == INFLIGHT]
            if s.status[r] == RETRY and any(x < r for x in flying):
                return None  # a retry goes out only as the first in-flight sequence
            if s.status[r] == NEW:
                cur = [s.stamp[x][1] for x in mine if s.stamp[x][0] == s.epoch]
                stamp = (s.epoch, max(cur, default=-1) + 1)
        else:
            stamp = (s.epoch, -1)
        return s._replace(
            status=set_at(s.status, r, INFLIGHT),
            stamp=set_at(s.stamp, r, stamp),
            requests=set_at(s.requests, p, fifo_send(s.requests[p], (r,) + stamp)),
        )

    @action(p=_parts, fair="weak", each=True)  # the client's network thread reads every response that arrives
    def receive(self, s, p):
        """The producer reads the next response of p (in request order on a connection)."""
        if not s.responses[p] or not self._released(s, p, s.responses[p][0]):
            return None
        (r, outcome, _), rest = fifo_receive(s.responses[p])
        s = s._replace(responses=set_at(s.responses, p, rest))
        if outcome in ("ok", "dup"):
            return s._replace(status=set_at(s.status, r, ACKED))
        if outcome == "oos" and s.stamp[r] == (s.epoch, self.last_acked_seq(s, p) + 1):
            return self._bump_epoch(s, p, r)  # a real gap: KIP-360 local epoch bump
        return s._replace(status=set_at(s.status, r, RETRY))  # retriable: err, fenced, oos behind a gap

    def _bump_epoch(self, s: ProducerState, p: int, r: int) -> ProducerState:
        """TransactionManager.bumpIdempotentProducerEpoch: epoch + 1, and the unacknowledged
        batches of p are re-sequenced from 0 in order (they carry the new stamp when resent)."""
        epoch, status, stamp, seq = s.epoch + 1, set_at(s.status, r, RETRY), list(s.stamp), 0
        for x in self.sent_order(p):
            if status[x] in (RETRY, INFLIGHT):
                stamp[x] = (epoch, seq)
                seq += 1
        return s._replace(epoch=epoch, status=status, stamp=tuple(stamp))

    def _retry_in_flight(self, s: ProducerState, p: int) -> tuple[str, ...]:
        """Every batch of p in flight goes back to the queue as a retry."""
        status = s.status
        for r in self.sent_order(p):
            if status[r] == INFLIGHT:
                status = set_at(status, r, RETRY)
        return status

    def _orphaned(self, s: ProducerState, p: int) -> tuple:
        """The late requests of p once its connection closes: plus the request the leader had
        already read (it reads one only while the connection is not muted)."""
        if s.requests[p] and self._leader_free(s, p):
            return bag_add(s.late_requests[p], s.requests[p][0])
        return s.late_requests[p]

    # -- the leader ----------------------------------------------------------------------------

    @action(p=_parts, fair="weak", each=True)  # a live leader's request handlers serve every connection
    def leader_append(self, s, p):
        """The leader reads the next request of the connection and handles it."""
        if not s.requests[p] or not self._leader_free(s, p):
            return None
        req, rest = fifo_receive(s.requests[p])
        outcome, off = self.handle(s.log[p], req)
        changes = self._with_log(s, p, log_append(s.log[p], (req,))) if outcome == "ok" else {}
        return s._replace(
            requests=set_at(s.requests, p, rest),
            responses=set_at(s.responses, p, fifo_send(s.responses[p], (req[0], outcome, off))), **changes
        )

    @action(p=_parts, req=lambda spec, s: sorted({m for bag in s.late_requests for m in bag_distinct(bag)}),
            fair="weak", each=True)  # a request already read is handled (KafkaApis), however late
    def leader_append_late(self, s, p, req):
        """The leader handles a request it read before the connection closed; the response
        has nowhere to go."""
        if req not in s.late_requests[p]:
            return None
        outcome, _ = self.handle(s.log[p], req)
        changes = self._with_log(s, p, log_append(s.log[p], (req,))) if outcome == "ok" else {}
        return s._replace(late_requests=set_at(s.late_requests, p, bag_remove(s.late_requests[p], req)), **changes)

    @action(p=_parts)  # a fault: never forced (no fairness), bounded by the retries
    def leader_error(self, s, p):
        """The leader rejects the next request with a retriable error, appending nothing
        (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, ...)."""
        if not self.lossy_network or not s.requests[p] or not self._leader_free(s, p):
            return None
        (r, _, _), rest = fifo_receive(s.requests[p])
        if not budget_left(s.retries_used[r], self.retries):
            return None
        return s._replace(
            requests=set_at(s.requests, p, rest),
            responses=set_at(s.responses, p, fifo_send(s.responses[p], (r, "err", -1))),
            retries_used=set_at(s.retries_used, r, s.retries_used[r] + 1),
        )

    @action(p=_parts)  # a fault: never forced, bounded by the retries
    def disconnect(self, s, p):
        """The connection drops (request timeout, broken socket): every in-flight batch of p
        fails and is retried; unread responses are lost; a request the leader already read
        may still be handled (late); the rest of the requests channel is never read."""
        if not self.lossy_network or not (s.requests[p] or s.responses[p]):
            return None
        flying = [r for r in self.sent_order(p) if s.status[r] == INFLIGHT]
        if not all(budget_left(s.retries_used[r], self.retries) for r in flying):
            return None
        retries_used = s.retries_used
        for r in flying:
            retries_used = set_at(retries_used, r, retries_used[r] + 1)
        return s._replace(
            status=self._retry_in_flight(s, p), retries_used=retries_used,
            late_requests=set_at(s.late_requests, p, self._orphaned(s, p)),
            requests=set_at(s.requests, p, ()), responses=set_at(s.responses, p, ()),
        )

    @action(p=_parts, fair="weak", each=True)  # the in-sync follower keeps fetching
    def replicate(self, s, p):
        """The in-sync follower fetches the leader's log; the high watermark follows."""
        if not self.max_failovers or s.hw[p] == len(s.log[p]):
            return None
        return s._replace(hw=set_at(s.hw, p, len(s.log[p])))

    @action(p=_parts)  # a fault: never forced, bounded by max_failovers
    def failover(self, s, p):
        """The leader of p crashes; the controller elects the in-sync follower, whose log is
        the committed prefix. Requests at the old leader are lost; the producer gets
        NOT_LEADER_OR_FOLLOWER / disconnects and retries its in-flight batches there."""
        if not budget_left(s.failovers, self.max_failovers):
            return None
        return s._replace(
            status=self._retry_in_flight(s, p),
            failovers=s.failovers + 1,
            log=set_at(s.log, p, s.log[p][: s.hw[p]]),
            requests=set_at(s.requests, p, ()),
            responses=set_at(s.responses, p, ()),
            late_requests=set_at(s.late_requests, p, ()),
        )

    @action  # a fault (the deployment replaces the process): never forced, bounded by producer_restarts
    def restart_producer(self, s):
        """The producer process is replaced by a new instance with the same transactional.id
        (InitProducerId bumps the epoch, sequences restart at 0). The application hands the
        new instance every record it has no acknowledgement for; the old instance's
        requests already read by a leader may still be handled (the zombie's writes)."""
        if not budget_left(s.restarts, self.producer_restarts) or all(x == ACKED for x in s.status):
            return None
        acked = [x == ACKED for x in s.status]
        m = self.partitions
        return s._replace(
            status=tuple(ACKED if a else NEW for a in acked),
            retries_used=tuple(used if a else 0 for used, a in zip(s.retries_used, acked)),
            stamp=tuple(t if a else NO_STAMP for t, a in zip(s.stamp, acked)),
            epoch=s.epoch + 1, restarts=s.restarts + 1,
            late_requests=tuple(self._orphaned(s, p) for p in range(m)), requests=((),) * m, responses=((),) * m,
        )

    @terminal
    def all_acknowledged(self, s):
        return all(x == ACKED for x in s.status) and not any(s.late_requests)

    # -- liveness -----------------------------------------------------------------------------

    @eventually(r=lambda spec: range(spec.records))
    def batch_acknowledged(self, s, r):
        """Every batch is eventually acknowledged or fails back to the application (Kafka's
        Sender: delivery.timeout.ms / retries exhausted). Here a fault is only taken while
        every batch it fails has a retry left, so no batch ever exhausts its retries: the
        promise is acknowledgement. Fairness (kafka_producer.md): the client's and the
        leader's own loops (send, receive, leader_append, leader_append_late, replicate) are
        weakly fair per partition; faults (leader_error, disconnect, failover,
        restart_producer) are never forced, so a behaviour may stop faulting at any time."""
        return s.status[r] == ACKED

    # -- invariants, over what a consumer reads ------------------------------------------------

    def _every_partition(self, verdict_of: Callable[[int], object]):
        """The first partition's failure, or True: each invariant is judged per partition."""
        for p in range(self.partitions):
            verdict = verdict_of(p)
            if not verdict:
                return verdict
        return True

    @invariant
    def per_partition_fifo(self, s):
        def verdict(p):
            order = {r: i for i, r in enumerate(self.sent_order(p))}
            return inv.per_partition_fifo(self.committed(s, p), order, where=f"partition {p}")
        return self._every_partition(verdict)

    @invariant
    def no_duplicates(self, s):
        return self._every_partition(lambda p: inv.no_duplicates(self.committed(s, p), where=f"partition {p}"))

    @invariant
    def no_gaps(self, s):
        return self._every_partition(lambda p: inv.no_gaps(self.committed(s, p), self.sent_order(p), where=f"partition {p}"))

    @invariant
    def exactly_once_per_partition(self, s):
        """The idempotent producer's promise (KIP-98: exactly once, in order, per partition):
        once every record is acknowledged, each is in its partition's committed log once.
        Not the exactly-once *processing* of transactions (kafka_transactions.py)."""
        all_acked = all(x == ACKED for x in s.status)
        return self._every_partition(
            lambda p: inv.exactly_once_per_partition(all_acked, self.committed(s, p), self.sent_order(p), where=f"partition {p}"))

    @invariant
    def zombie_fenced(self, s):
        return self._every_partition(
            lambda p: inv.zombie_fenced(self.committed(s, p), epoch_of=lambda e: e[1], where=f"partition {p}"))
