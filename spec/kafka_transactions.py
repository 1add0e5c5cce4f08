"""Kafka transactions (KIP-98, KIP-447): a consume-transform-produce application with a
transactional.id reads input records, writes one output record per input to each of two
output partitions, and commits the consumed input offset in the same transaction; a
transaction coordinator (TC) runs the two-phase commit; a downstream consumer reads the
outputs. Action -> Kafka map and abstractions: kafka_transactions.md. The producer
instances' actions (and the partition leaders' handling of their writes) are in
kafka_transactions_producer.py; the coordinator, the state and the invariants here.

Producer instances are slots 0..restarts: instance 0 runs from the start, `restart` starts
the next one with the same transactional.id (the deployment believed the previous one dead).
The previous instance keeps running — it is the zombie — or never acts again (a real crash).
Partition logs keep each record with its state ('open', 'committed', 'aborted'): a
transaction marker settles the open records of the producer on that partition in place.
AddPartitionsToTxn and the produce request are separate steps and a produce request may
stay in flight past its transaction's end: KIP-890's hanging transaction (`kip890`).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import attrs

from checker import Spec, SpecError, action, always_eventually, fail, invariant, record, terminal
from invariants.transactions import exactly_once, one_outcome_per_transaction
from spec.kafka_transactions_producer import OFFSETS, OUTPUTS, PREPARE, ProducerActions, _inst
from spec.mechanics import set_at

PART_NAMES = ("out0", "out1", "offsets")


@record
class Rec(NamedTuple):
    """A record in a partition. On the output partitions `value` is the input offset it was
    produced from; on the offsets partition it is the committed input offset."""

    value: int
    inst: int  # ghost: producer instance that wrote it
    epoch: int  # producer epoch of the write (with the PID, the batch identity)
    tx: int  # ghost: the TC's transaction number at the write (-1: not transactional)
    zombie: bool  # ghost: written after a newer instance had initialised
    status: str  # 'open' | 'committed' | 'aborted'
    late: bool = False  # ghost: written after the partition had received its transaction's marker


@record
class TxnState(NamedTuple):
    # producer instances (the application)
    phase: tuple[str, ...]  # 'down' | 'init' | 'fetch' | 'ready' | 'txn' | 'offsets' | 'fenced'
    epoch: tuple[int, ...]  # producer epoch from InitProducerId (-1 before)
    pos: tuple[int, ...]  # next input offset to consume
    done: tuple[tuple[int, ...], ...]  # partitions written in the current transaction (OFFSETS: offsets sent)
    added: tuple[tuple[int, ...], ...]  # output partitions the TC confirmed in the current transaction (AddPartitionsToTxn)
    txn: tuple[int, ...]  # the TC transaction the instance's AddPartitionsToTxn joined (KIP-890: its per-transaction epoch)
    init_order: tuple[int, ...]  # ghost: order of the instance's InitProducerId (0: not yet), to tell zombies
    # transaction coordinator: persisted in __transaction_state, survives failover
    tc_epoch: int
    tc_state: str  # Empty | Ongoing | PrepareCommit | PrepareAbort | CompleteCommit | CompleteAbort
    tc_parts: tuple[int, ...]  # partitions in the current transaction
    tx: int  # transactions started so far (names the current one)
    # TC in-memory: markers still to write (reloaded from the log on failover)
    pending: tuple[int, ...]
    # partitions: out0, out1, offsets; and the highest producer epoch each has seen
    logs: tuple[tuple[Rec, ...], ...]
    highest_epoch: tuple[int, ...]  # per partition: the highest producer epoch it has seen (fences older ones)
    marked: tuple[int, ...]  # ghost: per partition, the last transaction whose marker it received (0: none)
    inflight: tuple  # produce requests on the network: a bag of (instance, partition, value, epoch, transaction)
    # fault budgets left
    restarts: int
    failovers: int
    lost: int
    timeouts: int


def show(r: Rec) -> str:
    """A record for a failure message (its status is shown separately, as the outcome)."""
    what = f"value {r.value}"
    txn = f"transaction {r.tx}" if r.tx >= 0 else "no transaction"
    return f"[{what} by instance {r.inst}, epoch {r.epoch}, {txn}]"


@attrs.frozen
class KafkaTransactions(ProducerActions, Spec):
    inputs: int = 2  # input records (offsets 0..inputs-1), produced before the application starts
    restarts: int = 1  # new instances started with the same transactional.id
    failovers: int = 1  # transaction coordinator failovers
    lost_responses: int = 1  # responses lost after the server acted (the client retries)
    fencing: bool = True  # InitProducerId bumps the producer epoch (fencing older instances)
    isolation: Literal["read_committed", "read_uncommitted"] = "read_committed"
    offsets_in_transaction: bool = True  # sendOffsetsToTransaction; False: commitSync after commitTransaction
    timeouts: int = 0  # produce requests the client gives up on (it aborts; the request may still arrive)
    kip890: bool = True  # partition leaders verify a transactional write with the TC; False: pre-KIP-890

    def __attrs_post_init__(self) -> None:
        if self.inputs < 1 or min(self.restarts, self.failovers, self.lost_responses, self.timeouts) < 0:
            raise SpecError(
                f"KafkaTransactions cannot be checked with inputs={self.inputs}, restarts={self.restarts}, "
                f"failovers={self.failovers}, lost_responses={self.lost_responses}, timeouts={self.timeouts}: inputs "
                "must be at least 1 and the fault budgets at least 0 (0 switches a fault off). A small exhaustive "
                "configuration is inputs=2, restarts=1, failovers=1, lost_responses=1, timeouts=1."
            )

    def init(self):
        n = self.restarts + 1
        yield TxnState(
            phase=("init",) + ("down",) * (n - 1), epoch=(-1,) * n, pos=(0,) * n, done=((),) * n, added=((),) * n,
            txn=(0,) * n, init_order=(0,) * n, tc_epoch=-1, tc_state="Empty", tc_parts=(), tx=0, pending=(),
            logs=((), (), ()), highest_epoch=(-1, -1, -1), marked=(0, 0, 0), inflight=(),
            restarts=self.restarts, failovers=self.failovers, lost=self.lost_responses, timeouts=self.timeouts,
        )

    # -- helpers -------------------------------------------------------------------------------

    def _outcome(self, s: TxnState, r: Rec) -> str:
        """'committed' / 'aborted' once decided (marker written, or the TC prepared it)."""
        if r.status == "open" and r.tx == s.tx and s.tc_state in PREPARE:
            return PREPARE[s.tc_state]
        return r.status

    def _committed_offset(self, s: TxnState, decided: bool) -> int:
        """The group's committed input offset: the last committed offsets record."""
        for r in reversed(s.logs[OFFSETS]):
            if (self._outcome(s, r) if decided else r.status) == "committed":
                return r.value
        return 0

    def _newer_initialised(self, s: TxnState, i: int) -> bool:
        return max(s.init_order) > s.init_order[i]

    def _tc_accepts(self, s: TxnState, i: int) -> str:
        """The TC's epoch check: 'ok', 'fenced' (PRODUCER_FENCED) or 'busy' (CONCURRENT_TRANSACTIONS)."""
        if s.epoch[i] < s.tc_epoch:
            return "fenced"
        return "busy" if s.tc_state in PREPARE else "ok"

    def _append(self, s: TxnState, i: int, part: int, value: int, tx: int, status: str) -> TxnState | None:
        """Produce to a partition leader with the instance's epoch (idempotent: a retried
        batch is not appended twice). None: the leader rejects an epoch older than one it has seen."""
        if s.epoch[i] < s.highest_epoch[part]:
            return None
        return self._append_as(s, i, part, value, s.epoch[i], tx, status)

    def _append_as(self, s: TxnState, i: int, part: int, value: int, epoch: int, tx: int, status: str = "open") -> TxnState:
        """Append the batch (value, instance, epoch, transaction) unless it is a duplicate."""
        rec = Rec(value, i, epoch, tx, self._newer_initialised(s, i), status, 0 < tx <= s.marked[part])
        log = s.logs[part]
        if status == "open" and any(r[:4] == rec[:4] for r in log):
            return s  # duplicate (same PID, epoch, sequence): acknowledged, not appended
        return s._replace(logs=set_at(s.logs, part, log + (rec,)),
                          highest_epoch=set_at(s.highest_epoch, part, max(s.highest_epoch[part], epoch)))

    def _fenced(self, s: TxnState, i: int) -> TxnState:
        """ProducerFencedException is fatal: the instance closes."""
        return s._replace(phase=set_at(s.phase, i, "fenced"), done=set_at(s.done, i, ()), added=set_at(s.added, i, ()),
                          txn=set_at(s.txn, i, 0))

    def _respond(self, s: TxnState, lost: bool, i: int, **client) -> TxnState:
        """Apply the client's side of a response, unless it is lost (then the server's effect
        stays and the client will retry the same request)."""
        if lost:
            return s._replace(lost=s.lost - 1)
        return s._replace(**{k: set_at(getattr(s, k), i, v) for k, v in client.items()})

    @action(i=_inst, fair="weak", each=True)
    def commit_offsets(self, s, i):
        """offsets_in_transaction=False: consumer.commitSync() after commitTransaction()."""
        if s.phase[i] != "offsets":
            return None
        rec = Rec(s.pos[i] + 1, i, s.epoch[i], -1, self._newer_initialised(s, i), "committed")
        return s._replace(
            logs=set_at(s.logs, OFFSETS, s.logs[OFFSETS] + (rec,)), phase=set_at(s.phase, i, "ready"),
            pos=set_at(s.pos, i, s.pos[i] + 1)
        )

    # -- transaction coordinator -----------------------------------------------------------------

    @action(p=lambda spec, s: s.pending, fair="weak", each=True)
    def write_marker(self, s, p):
        """WriteTxnMarkers to partition p: its open records of this producer become committed
        or aborted; the marker carries the TC's epoch, which the partition now enforces."""
        if s.tc_state not in PREPARE:
            return None
        outcome = PREPARE[s.tc_state]
        log = tuple(r._replace(status=outcome) if r.status == "open" else r for r in s.logs[p])
        return s._replace(
            logs=set_at(s.logs, p, log), highest_epoch=set_at(s.highest_epoch, p, max(s.highest_epoch[p], s.tc_epoch)),
            pending=tuple(x for x in s.pending if x != p), marked=set_at(s.marked, p, s.tx),
        )

    @action(fair="weak")  # the TC completes once every marker is written
    def complete_txn(self, s):
        """All markers written: the TC logs CompleteCommit / CompleteAbort."""
        if s.tc_state not in PREPARE or s.pending:
            return None
        return s._replace(tc_state="Complete" + s.tc_state[len("Prepare"):], tc_parts=())

    @action  # a fault: never forced (no fairness)
    def coordinator_failover(self, s):
        """The TC's broker fails; the new TC replays __transaction_state and re-sends every
        marker of a prepared transaction (marker progress was in memory only)."""
        if s.failovers == 0:
            return None
        pending = s.tc_parts if s.tc_state in PREPARE else ()
        return s._replace(failovers=s.failovers - 1, pending=pending)

    # -- downstream consumer -----------------------------------------------------------------------

    def visible(self, s: TxnState, p: int) -> tuple[Rec, ...]:
        """What a consumer of output partition p can be returned right now. read_committed:
        records below the last stable offset (the first open record), skipping aborted ones
        (aborted-transaction index); read_uncommitted: everything up to the high watermark
        (replication is abstracted: every append is replicated). Statuses only move from open
        to settled and the LSO only grows, so checking this set in every state covers every
        read a consumer can make at any time."""
        log = s.logs[p]
        if self.isolation == "read_uncommitted":
            return log
        return tuple(r for r in log[:self.last_stable_offset(s, p)] if r.status != "aborted")

    def last_stable_offset(self, s: TxnState, p: int) -> int:
        """The LSO of partition p: the offset of its first open record (the first offset of
        the earliest transaction still undecided there), or the log end if none is open.
        A hanging transaction holds it in place for good."""
        return next((k for k, r in enumerate(s.logs[p]) if r.status == "open"), len(s.logs[p]))

    @terminal
    def settled(self, s):
        """The run is over: no transaction is being decided, every instance has consumed all
        input or is gone, and every output partition's LSO is its log end. (A hanging
        transaction leaves an open record no marker will settle: that end is a deadlock.)"""
        if s.tc_state in PREPARE or s.inflight:
            return False
        if any(self.last_stable_offset(s, p) < len(s.logs[p]) for p in OUTPUTS):
            return False
        return all(phase in ("down", "fenced") or (phase == "ready" and pos == self.inputs)
                   for phase, pos in zip(s.phase, s.pos))

    # -- liveness -----------------------------------------------------------------------------------

    @always_eventually
    def transactions_complete(self, s):
        """Every transaction the TC starts is eventually completed (CompleteCommit/CompleteAbort,
        or none started yet): the TC is idle infinitely often, so no transaction stays open or
        half-decided for ever. Fairness in kafka_transactions_producer.py and kafka_transactions.md
        ("Liveness"): the TC's markers and completion are weakly fair, failovers are not."""
        return s.tc_state not in ("Ongoing", "PrepareCommit", "PrepareAbort")

    @always_eventually(p=lambda spec: range(len(PART_NAMES)))
    def last_stable_offset_passes(self, s, p):
        """KIP-890's promise: the last stable offset of each partition eventually passes every
        record written to it (infinitely often no record there is open, so none stays open for
        good and read_committed consumers never stall). A hanging transaction — a produce
        request landing after its transaction's marker, pre-KIP-890 — breaks it."""
        return self.last_stable_offset(s, p) == len(s.logs[p])

    # -- invariants ---------------------------------------------------------------------------------

    def _parts(self, s):
        for p, log in enumerate(s.logs):
            for r in log:
                yield p, r

    @invariant(exercised=lambda spec, s: any(spec._outcome(s, r) == "committed" for log in s.logs for r in log if r.tx >= 0))
    def atomic_commit(self, s):
        """A transaction's outputs and its consumed offsets are all committed or none are:
        one outcome per transaction, and a committed transaction that wrote an input's
        outputs also committed that input's offset, on both output partitions."""
        verdict = one_outcome_per_transaction((r.tx, PART_NAMES[p], self._outcome(s, r)) for p, r in self._parts(s) if r.tx >= 0)
        if not verdict:
            return verdict
        committed: dict[int, set] = {}
        for p, r in self._parts(s):
            if r.tx >= 0 and self._outcome(s, r) == "committed":
                committed.setdefault(r.tx, set()).add((p, r.value - 1 if p == OFFSETS else r.value))
        for tx, parts in sorted(committed.items()):
            for p, v in parts:
                if p != OFFSETS:
                    want = {(q, v) for q in (*OUTPUTS, OFFSETS)}
                    if not want <= parts:
                        missing = [PART_NAMES[q] for q, _ in sorted(want - parts)]
                        return fail(f"transaction {tx} committed the output of input {v} but not its part in {missing}")
        return True

    @invariant(exercised=lambda spec, s: any(spec._outcome(s, r) == "committed" for p in OUTPUTS for r in s.logs[p]))
    def exactly_once_processing(self, s):
        """Each input's output appears exactly once among committed records of each output
        partition, for every input below the committed input offset; never twice."""
        got = {PART_NAMES[p]: [r.value for r in s.logs[p] if self._outcome(s, r) == "committed"] for p in OUTPUTS}
        return exactly_once(got, self._committed_offset(s, True))

    @invariant(exercised=lambda spec, s: any(phase not in ("down", "fenced") and 0 < order < max(s.init_order)
                                             for phase, order in zip(s.phase, s.init_order)))
    def no_zombie_writes(self, s):
        """No record written by an instance after a newer one initialised becomes committed.
        Exercised once a zombie exists (an instance still running after a newer one's
        InitProducerId), whether or not fencing then stops its writes."""
        for p, r in self._parts(s):
            if r.zombie and self._outcome(s, r) == "committed":
                return fail(f"{PART_NAMES[p]} has committed {show(r)}, written after a newer instance had initialised")
        return True

    @invariant(exercised=lambda spec, s: any(spec.visible(s, p) for p in OUTPUTS))
    def read_committed_isolation(self, s):
        """A consumer never gets a record of an open or aborted transaction."""
        for p in OUTPUTS:
            for r in self.visible(s, p):
                if r.status != "committed":
                    return fail(f"a consumer of {PART_NAMES[p]} can read {show(r)} while its transaction is {r.status}")
        return True

    @invariant(exercised=lambda spec, s: any(s.marked))
    def no_write_after_marker(self, s):
        """No record of a transaction is written to a partition after that partition got the
        transaction's marker: the safety side of KIP-890's hanging transaction (the record
        would open a transaction no marker ends, or be settled by the next one's)."""
        for p, r in self._parts(s):
            if r.late:
                return fail(f"{PART_NAMES[p]} got {show(r)} after the marker of transaction {r.tx} (LSO stuck at "
                            f"{self.last_stable_offset(s, p)})" if p in OUTPUTS else f"{PART_NAMES[p]} got {show(r)} after its marker")
        return True
