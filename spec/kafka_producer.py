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
from typing import NamedTuple

import attrs

from checker import Spec, SpecError, action, invariant, record, terminal
from invariants import producer as inv
from spec.mechanics import bag_add, bag_distinct, bag_remove, set_at

CACHED_BATCHES = 5  # ProducerStateEntry.NUM_BATCHES_TO_RETAIN
NEW, RETRY, INFLIGHT, ACKED = "new", "retry", "inflight", "acked"
NO_STAMP = (-1, -1)


@record
class ProducerState(NamedTuple):
    # producer (client)
    st: tuple[str, ...]  # per record: new | retry | inflight | acked
    att: tuple[int, ...]  # per record: retries used
    stamp: tuple[tuple[int, int], ...]  # per record: (epoch, seq) it carries when (re)sent
    epoch: int  # producer epoch (instance number without idempotence)
    restarts: int
    # per partition: the connection to its leader and the leader
    pipe: tuple[tuple, ...]  # requests sent, not yet read by the leader (TCP order)
    resp: tuple[tuple, ...]  # responses (record, outcome, offset) not yet read by the producer
    late: tuple[tuple, ...]  # bag: requests read from a closed connection, still to be handled
    log: tuple[tuple, ...]  # the leader's log: entries (record, epoch, seq)
    hw: tuple[int, ...]  # high watermark = the in-sync follower's log end
    failovers: int


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


@attrs.frozen
class KafkaProducer(Spec):
    records: int = 3
    partitions: int = 1
    keys: int = 0  # 0: keyless records (round robin); k > 0: record i has key i % k
    max_in_flight: int = 5  # max.in.flight.requests.per.connection
    retries: int = 2  # per batch; also bounds the faults (a fault needs a retry left)
    idempotence: bool = True  # enable.idempotence
    lossy_network: bool = True  # connections drop (request/response lost, timeout); retriable broker errors
    max_failovers: int = 1  # leader crashes; 0 switches replication off (acks=all is immediate)
    producer_restarts: int = 0  # new producer instance with the same transactional.id (epoch bump)
    strict_first_seq: bool = True  # leader rejects a non-zero first sequence of an unknown producer (KAFKA-15591 fix)
    explicit: tuple[int, ...] = ()  # optional explicit partition per record (-1: none)

    def __attrs_post_init__(self) -> None:
        problems = []
        for name in ("records", "partitions", "max_in_flight"):
            if getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)} must be at least 1")
        for name in ("keys", "retries", "max_failovers", "producer_restarts"):
            if getattr(self, name) < 0:
                problems.append(f"{name}={getattr(self, name)} must be 0 or more (0 switches it off)")
        if self.explicit and (len(self.explicit) != self.records or any(not -1 <= p < self.partitions for p in self.explicit)):
            problems.append(f"explicit={self.explicit} must give one partition in -1..{self.partitions - 1} per record ({self.records})")
        if problems:
            raise SpecError(
                "KafkaProducer: " + "; ".join(problems) + ". Fix the constants, e.g. -c records=3 -c partitions=1 "
                "-c max_in_flight=5 -c retries=1 (explicit=() lets the partitioner choose)."
            )

    # -- helpers -------------------------------------------------------------------------------

    @property
    def part(self) -> tuple[int, ...]:
        return partition_of(self.records, self.partitions, self.keys, self.explicit)

    def sent_order(self, p: int) -> tuple[int, ...]:
        """Records of partition p in the order the application sends them."""
        return tuple(r for r in range(self.records) if self.part[r] == p)

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
        return not s.resp[p] or self._released(s, p, s.resp[p][-1])

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
            if s.st[r] in (NEW, RETRY):
                return r
        return None

    def last_acked_seq(self, s: ProducerState, p: int) -> int:
        seqs = [s.stamp[r][1] for r in self.sent_order(p) if s.st[r] == ACKED and s.stamp[r][0] == s.epoch]
        return max(seqs, default=-1)

    # -- the producer --------------------------------------------------------------------------

    def init(self):
        n, m = self.records, self.partitions
        yield ProducerState(
            (NEW,) * n, (0,) * n, (NO_STAMP,) * n, 0, 0, ((),) * m, ((),) * m, ((),) * m, ((),) * m, (0,) * m, 0
        )

    @action(p=_parts)
    def send(self, s, p):
        """Sender drains the head batch of p into a produce request (stamping a new batch
        with the next sequence) if the connection has fewer than max_in_flight requests."""
        r = self.head(s, p)
        if r is None or len(s.pipe[p]) + len(s.resp[p]) >= self.max_in_flight:
            return None
        mine = self.sent_order(p)
        stamp = s.stamp[r]
        if self.idempotence:
            flying = [x for x in mine if s.st[x] == INFLIGHT]
            if s.st[r] == RETRY and any(x < r for x in flying):
                return None  # a retry goes out only as the first in-flight sequence
            if s.st[r] == NEW:
                cur = [s.stamp[x][1] for x in mine if s.stamp[x][0] == s.epoch]
                stamp = (s.epoch, max(cur, default=-1) + 1)
        else:
            stamp = (s.epoch, -1)
        return s._replace(
            st=set_at(s.st, r, INFLIGHT),
            stamp=set_at(s.stamp, r, stamp),
            pipe=set_at(s.pipe, p, s.pipe[p] + ((r,) + stamp,)),
        )

    @action(p=_parts)
    def receive(self, s, p):
        """The producer reads the next response of p (in request order on a connection)."""
        if not s.resp[p] or not self._released(s, p, s.resp[p][0]):
            return None
        r, outcome, _ = s.resp[p][0]
        s = s._replace(resp=set_at(s.resp, p, s.resp[p][1:]))
        if outcome in ("ok", "dup"):
            return s._replace(st=set_at(s.st, r, ACKED))
        if outcome == "oos" and s.stamp[r] == (s.epoch, self.last_acked_seq(s, p) + 1):
            return self._bump_epoch(s, p, r)  # a real gap: KIP-360 local epoch bump
        return s._replace(st=set_at(s.st, r, RETRY))  # retriable: err, fenced, oos behind a gap

    def _bump_epoch(self, s: ProducerState, p: int, r: int) -> ProducerState:
        """TransactionManager.bumpIdempotentProducerEpoch: epoch + 1, and the unacknowledged
        batches of p are re-sequenced from 0 in order (they carry the new stamp when resent)."""
        epoch, st, stamp, seq = s.epoch + 1, set_at(s.st, r, RETRY), list(s.stamp), 0
        for x in self.sent_order(p):
            if st[x] in (RETRY, INFLIGHT):
                stamp[x] = (epoch, seq)
                seq += 1
        return s._replace(epoch=epoch, st=st, stamp=tuple(stamp))

    # -- the leader ----------------------------------------------------------------------------

    @action(p=_parts)
    def leader_append(self, s, p):
        """The leader reads the next request of the connection and handles it."""
        if not s.pipe[p] or not self._leader_free(s, p):
            return None
        req = s.pipe[p][0]
        outcome, off = self.handle(s.log[p], req)
        changes = self._with_log(s, p, s.log[p] + (req,)) if outcome == "ok" else {}
        return s._replace(
            pipe=set_at(s.pipe, p, s.pipe[p][1:]), resp=set_at(s.resp, p, s.resp[p] + ((req[0], outcome, off),)), **changes
        )

    @action(p=_parts, req=lambda spec, s: sorted({m for bag in s.late for m in bag_distinct(bag)}))
    def leader_append_late(self, s, p, req):
        """The leader handles a request it read before the connection closed; the response
        has nowhere to go."""
        if req not in s.late[p]:
            return None
        outcome, _ = self.handle(s.log[p], req)
        changes = self._with_log(s, p, s.log[p] + (req,)) if outcome == "ok" else {}
        return s._replace(late=set_at(s.late, p, bag_remove(s.late[p], req)), **changes)

    @action(p=_parts)
    def leader_error(self, s, p):
        """The leader rejects the next request with a retriable error, appending nothing
        (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, ...)."""
        if not self.lossy_network or not s.pipe[p] or not self._leader_free(s, p):
            return None
        r = s.pipe[p][0][0]
        if s.att[r] >= self.retries:
            return None
        return s._replace(
            pipe=set_at(s.pipe, p, s.pipe[p][1:]),
            resp=set_at(s.resp, p, s.resp[p] + ((r, "err", -1),)),
            att=set_at(s.att, r, s.att[r] + 1),
        )

    @action(p=_parts)
    def disconnect(self, s, p):
        """The connection drops (request timeout, broken socket): every in-flight batch of p
        fails and is retried; unread responses are lost; a request the leader already read
        may still be handled (late); the rest of the pipe is never read."""
        if not self.lossy_network or not (s.pipe[p] or s.resp[p]):
            return None
        flying = [r for r in self.sent_order(p) if s.st[r] == INFLIGHT]
        if any(s.att[r] >= self.retries for r in flying):
            return None
        st, att = s.st, s.att
        for r in flying:
            st, att = set_at(st, r, RETRY), set_at(att, r, att[r] + 1)
        late = s.late
        if s.pipe[p] and self._leader_free(s, p):
            late = set_at(late, p, bag_add(late[p], s.pipe[p][0]))
        return s._replace(st=st, att=att, late=late, pipe=set_at(s.pipe, p, ()), resp=set_at(s.resp, p, ()))

    @action(p=_parts)
    def replicate(self, s, p):
        """The in-sync follower fetches the leader's log; the high watermark follows."""
        if not self.max_failovers or s.hw[p] == len(s.log[p]):
            return None
        return s._replace(hw=set_at(s.hw, p, len(s.log[p])))

    @action(p=_parts)
    def failover(self, s, p):
        """The leader of p crashes; the controller elects the in-sync follower, whose log is
        the committed prefix. Requests at the old leader are lost; the producer gets
        NOT_LEADER_OR_FOLLOWER / disconnects and retries its in-flight batches there."""
        if s.failovers >= self.max_failovers:
            return None
        st = s.st
        for r in self.sent_order(p):
            if st[r] == INFLIGHT:
                st = set_at(st, r, RETRY)
        return s._replace(
            st=st,
            failovers=s.failovers + 1,
            log=set_at(s.log, p, s.log[p][: s.hw[p]]),
            pipe=set_at(s.pipe, p, ()),
            resp=set_at(s.resp, p, ()),
            late=set_at(s.late, p, ()),
        )

    @action
    def restart_producer(self, s):
        """The producer process is replaced by a new instance with the same transactional.id
        (InitProducerId bumps the epoch, sequences restart at 0). The application hands the
        new instance every record it has no acknowledgement for; the old instance's
        requests already read by a leader may still be handled (the zombie's writes)."""
        if s.restarts >= self.producer_restarts or all(x == ACKED for x in s.st):
            return None
        st = tuple(x if x == ACKED else NEW for x in s.st)
        att = tuple(a if x == ACKED else 0 for a, x in zip(s.att, s.st))
        stamp = tuple(t if x == ACKED else NO_STAMP for t, x in zip(s.stamp, s.st))
        late = tuple(
            bag_add(s.late[p], s.pipe[p][0]) if s.pipe[p] and self._leader_free(s, p) else s.late[p] for p in range(self.partitions)
        )
        m = self.partitions
        return s._replace(
            st=st, att=att, stamp=stamp, epoch=s.epoch + 1, restarts=s.restarts + 1, late=late, pipe=((),) * m, resp=((),) * m
        )

    @terminal
    def all_acknowledged(self, s):
        return all(x == ACKED for x in s.st) and not any(s.late)

    # -- invariants, over what a consumer reads ------------------------------------------------

    @invariant
    def per_partition_fifo(self, s):
        for p in range(self.partitions):
            order = {r: i for i, r in enumerate(self.sent_order(p))}
            verdict = inv.per_partition_fifo(self.committed(s, p), order, where=f"partition {p}")
            if not verdict:
                return verdict
        return True

    @invariant
    def no_duplicates(self, s):
        for p in range(self.partitions):
            verdict = inv.no_duplicates(self.committed(s, p), where=f"partition {p}")
            if not verdict:
                return verdict
        return True

    @invariant
    def no_gaps(self, s):
        for p in range(self.partitions):
            verdict = inv.no_gaps(self.committed(s, p), self.sent_order(p), where=f"partition {p}")
            if not verdict:
                return verdict
        return True

    @invariant
    def exactly_once(self, s):
        done = all(x == ACKED for x in s.st)
        for p in range(self.partitions):
            verdict = inv.exactly_once(done, self.committed(s, p), self.sent_order(p), where=f"partition {p}")
            if not verdict:
                return verdict
        return True

    @invariant
    def zombie_fenced(self, s):
        for p in range(self.partitions):
            verdict = inv.zombie_fenced(self.committed(s, p), epoch_of=lambda e: e[1], where=f"partition {p}")
            if not verdict:
                return verdict
        return True

    # -- sequence diagrams (`check --html`, reports/flow.py) -----------------------------------

    def processes(self) -> list[str]:
        return ["producer"] + [self._leader_name(p) for p in range(self.partitions)]

    def _leader_name(self, p: int) -> str:
        return "leader" if self.partitions == 1 else f"leader p{p}"

    def message_flow(self, step, before):
        """Produce requests and their responses as arrows between the producer and the
        partition's leader; what either side does alone as a box on its lifeline."""
        s, p, name = step.state, step.args.get("p"), step.name
        if name == "restart_producer":
            return "producer", "producer", "restart: new instance, epoch + 1"
        leader = self._leader_name(p)
        if name == "send":
            r, epoch, seq = s.pipe[p][-1]
            stamp = f" (epoch {epoch}, seq {seq})" if self.idempotence else ""
            return "producer", leader, f"Produce b{r}{stamp}"
        if name == "receive":
            r, outcome, _ = before.resp[p][0]
            return leader, "producer", f"b{r}: {RESPONSE_TEXT[outcome]}"
        if name == "leader_append":
            r, outcome, off = s.resp[p][-1]
            return leader, leader, f"b{r} appended at offset {off}" if outcome == "ok" else f"b{r}: {RESPONSE_TEXT[outcome]}"
        if name == "leader_append_late":
            return leader, leader, f"late b{step.args['req'][0]} handled (connection gone)"
        if name == "leader_error":
            return leader, leader, f"b{s.resp[p][-1][0]}: retriable error"
        if name == "disconnect":
            return "producer", "producer", "connection dropped: in-flight batches retried"
        if name == "replicate":
            return leader, leader, f"follower caught up: high watermark {s.hw[p]}"
        if name == "failover":
            return leader, leader, "leader fails over to the in-sync follower"
        return None


RESPONSE_TEXT = {"ok": "ok", "dup": "DUPLICATE_SEQUENCE (ok)", "err": "retriable error",
                 "fenced": "INVALID_PRODUCER_EPOCH", "oos": "OUT_OF_ORDER_SEQUENCE_NUMBER"}
