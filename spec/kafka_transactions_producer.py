"""The producer side of the Kafka transactions model (spec/kafka_transactions.py): the
application instances' calls (initTransactions, beginTransaction, send, sendOffsetsToTransaction,
commitTransaction, abortTransaction after a timeout) and the partition leaders' handling of
their produce requests. Mixed into KafkaTransactions, which holds the state, the transaction
coordinator's actions and the invariants.

Fairness (liveness only): a running instance keeps calling the API (its steps are weakly fair
per instance, a lost response's retry included: `lost` is a parameter, and delivering either
way satisfies the fairness of both instances) and partition leaders handle every produce
request on the network (deliver_produce, per request); a restart and a timeout-driven abort
(faults) are never forced."""

from __future__ import annotations

from checker import action
from spec.mechanics import bag_add, bag_distinct, bag_remove, set_at

OUTPUTS = (0, 1)  # output partitions
OFFSETS = 2  # the __consumer_offsets partition of the application's group
PREPARE = {"PrepareCommit": "committed", "PrepareAbort": "aborted"}  # TC states that decided an outcome


def _inst(spec, s):
    return range(spec.restarts + 1)


def _lost(spec, s):
    return (False, True) if s.lost else (False,)


def _inflight(spec, s):
    return bag_distinct(s.inflight)


class ProducerActions:
    """Actions of the application's producer instances and of the partition leaders they write to."""

    @action(i=_inst)  # the deployment's choice: never forced (no fairness)
    def restart(self, s, i):
        """The deployment starts a new instance with the same transactional.id."""
        if s.restarts == 0 or s.phase[i] != "down" or (i and s.phase[i - 1] == "down"):
            return None
        return s._replace(phase=set_at(s.phase, i, "init"), restarts=s.restarts - 1)

    @action(i=_inst, fair="weak", each=True)
    def init_producer_id(self, s, i):
        """InitProducerId: the TC bumps the epoch (fencing on) and aborts an ongoing
        transaction of the previous epoch; during Prepare* it answers CONCURRENT_TRANSACTIONS."""
        if s.phase[i] != "init" or s.tc_state in PREPARE:
            return None
        epoch = s.tc_epoch + 1 if self.fencing or s.tc_epoch < 0 else s.tc_epoch
        if s.tc_state == "Ongoing":
            s = s._replace(tc_state="PrepareAbort", pending=s.tc_parts)
        return s._replace(
            tc_epoch=epoch, phase=set_at(s.phase, i, "fetch"), epoch=set_at(s.epoch, i, epoch),
            init_order=set_at(s.init_order, i, max(s.init_order) + 1)
        )

    @action(i=_inst, fair="weak", each=True)
    def fetch_offset(self, s, i):
        """OffsetFetch (require_stable): waits while a transactional offset commit is pending,
        then starts from the committed input offset."""
        if s.phase[i] != "fetch" or any(r.status == "open" for r in s.logs[OFFSETS]):
            return None
        return s._replace(phase=set_at(s.phase, i, "ready"), pos=set_at(s.pos, i, self._committed_offset(s, False)))

    @action(i=_inst, fair="weak", each=True)
    def begin(self, s, i):
        """beginTransaction() and poll() the next input record (local to the client)."""
        if s.phase[i] != "ready" or s.pos[i] >= self.inputs:
            return None
        return s._replace(phase=set_at(s.phase, i, "txn"), done=set_at(s.done, i, ()), added=set_at(s.added, i, ()),
                          txn=set_at(s.txn, i, 0))

    @action(i=_inst, p=lambda spec, s: OUTPUTS, lost=_lost, fair="weak", each=True)
    def add_partitions(self, s, i, p, lost):
        """AddPartitionsToTxn(p) at the TC, before the first write to p in a transaction:
        the first partition makes the TC's state Ongoing (a new transaction). The TC answers
        PRODUCER_FENCED to an older epoch (fatal), CONCURRENT_TRANSACTIONS during Prepare*.
        On the answer the producer's sender sends the output record waiting for p in its
        accumulator: the produce request is then on the network (deliver_produce)."""
        if s.phase[i] != "txn" or p in s.added[i]:
            return None
        verdict = self._tc_accepts(s, i)
        if verdict == "fenced":
            return self._fenced(s, i)
        if verdict == "busy":
            return None
        if s.tc_state != "Ongoing":
            s = s._replace(tc_state="Ongoing", tc_parts=(), tx=s.tx + 1)
        if p not in s.tc_parts:
            s = s._replace(tc_parts=tuple(sorted(s.tc_parts + (p,))))
        if lost:
            return s._replace(lost=s.lost - 1)
        return s._replace(added=set_at(s.added, i, tuple(sorted(s.added[i] + (p,)))), txn=set_at(s.txn, i, s.tx),
                          inflight=bag_add(s.inflight, (i, p, s.pos[i], s.epoch[i], s.tx)))

    @action(m=_inflight, lost=_lost, fair="weak", each=True)
    def deliver_produce(self, s, m, lost):
        """Partition p's leader handles a produce request, however late. KIP-890 (default):
        it first verifies with the TC that p is in the producer's ongoing transaction
        (and, by KIP-890's epoch bump per transaction, that it is this transaction),
        else INVALID_TXN_STATE; before KIP-890 only the producer epoch is checked, so a
        request delayed past its transaction's marker starts a transaction no marker will
        end (a hanging transaction). A retried batch is a duplicate: acknowledged, not
        appended. `lost`: appended but the response lost, the request is retried."""
        i, p, value, epoch, tx = m
        s = s._replace(inflight=bag_remove(s.inflight, m))
        current = s.phase[i] == "txn" and s.epoch[i] == epoch and s.txn[i] == tx
        if self.kip890 and not (s.tc_state == "Ongoing" and p in s.tc_parts and s.tc_epoch == epoch and s.tx == tx):
            return self._fenced(s, i) if current and s.epoch[i] < s.tc_epoch else s
        if epoch < s.highest_epoch[p]:
            return self._fenced(s, i) if current else s  # INVALID_PRODUCER_EPOCH: fatal for the instance
        s = self._append_as(s, i, p, value, epoch, tx)
        if lost and s.lost:
            return s._replace(lost=s.lost - 1, inflight=bag_add(s.inflight, m))
        if not current:
            return s  # the client gave up on it (aborted) or is gone: nobody reads the response
        return s._replace(done=set_at(s.done, i, tuple(sorted(s.done[i] + (p,)))))

    @action(i=_inst)  # follows a timeout, a fault: never forced
    def abort_txn(self, s, i):
        """A produce request timed out (delivery.timeout.ms): the transaction can no longer
        commit and the application calls abortTransaction(), EndTxn(ABORT). The TC persists
        PrepareAbort and sends abort markers; the instance re-processes the input in its
        next transaction. The timed-out request may still be on the network."""
        if s.phase[i] != "txn" or s.timeouts == 0 or not any(m[0] == i for m in s.inflight):
            return None
        verdict = self._tc_accepts(s, i)
        if verdict == "fenced":
            return self._fenced(s, i)
        if s.tc_state != "Ongoing":
            return None
        return s._replace(tc_state="PrepareAbort", pending=s.tc_parts, timeouts=s.timeouts - 1,
                          phase=set_at(s.phase, i, "ready"), done=set_at(s.done, i, ()), added=set_at(s.added, i, ()),
                          txn=set_at(s.txn, i, 0))

    @action(i=_inst, lost=_lost, fair="weak", each=True)
    def send_offsets(self, s, i, lost):
        """sendOffsetsToTransaction: AddOffsetsToTxn at the TC, then TxnOffsetCommit(input
        offset + 1) to the group coordinator, pending until the transaction's marker."""
        if not self.offsets_in_transaction or s.phase[i] != "txn" or OFFSETS in s.done[i]:
            return None
        return self._add_and_write(s, i, OFFSETS, s.pos[i] + 1, lost)

    def _add_and_write(self, s, i: int, part: int, value: int, lost: bool):
        verdict = self._tc_accepts(s, i)
        if verdict == "fenced":
            return self._fenced(s, i)
        if verdict == "busy":
            return None
        before = s
        if s.tc_state != "Ongoing":  # the first partition starts a new transaction
            s = s._replace(tc_state="Ongoing", tc_parts=(), tx=s.tx + 1)
        if part not in s.tc_parts:
            s = s._replace(tc_parts=tuple(sorted(s.tc_parts + (part,))))
        s = self._append(s, i, part, value, s.tx, "open")
        if s is None:  # the partition leader has seen a newer epoch
            return self._fenced(before, i)
        return self._respond(s, lost, i, done=tuple(sorted(s.done[i] + (part,))))

    @action(i=_inst, lost=_lost, fair="weak", each=True)
    def commit_txn(self, s, i, lost):
        """commitTransaction(): EndTxn(COMMIT). The TC persists PrepareCommit and answers;
        markers follow asynchronously. A retry finding PrepareCommit/CompleteCommit succeeds."""
        need = OUTPUTS + ((OFFSETS,) if self.offsets_in_transaction else ())
        if s.phase[i] != "txn" or s.done[i] != need:
            return None
        verdict = self._tc_accepts(s, i)
        if verdict == "fenced":
            return self._fenced(s, i)
        if s.tc_state == "Ongoing":
            s = s._replace(tc_state="PrepareCommit", pending=s.tc_parts)
        elif s.tc_state not in ("PrepareCommit", "CompleteCommit"):
            return self._fenced(s, i)  # INVALID_TXN_STATE: the transaction was aborted under it
        nxt = "offsets" if not self.offsets_in_transaction else "ready"
        pos = s.pos[i] + (1 if self.offsets_in_transaction else 0)
        return self._respond(s, lost, i, phase=nxt, pos=pos, done=(), added=(), txn=0)
