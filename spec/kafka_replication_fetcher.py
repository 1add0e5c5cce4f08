"""The follower's side of Kafka replication (ReplicaFetcherThread / AbstractFetcherThread):
apply LeaderAndIsr, truncate, send one fetch at a time, apply the response, and checkpoint
the high watermark. Mixed into KafkaReplication (spec/kafka_replication.py).

A fetch slot per follower holds () when idle, a request (REQUEST, leader, fetch offset,
last fetched epoch, current leader epoch, the follower's broker epoch) or a response (RESPONSE, leader, epoch of the
request, fetch offset, (record,) or (), leader hw, diverging end offset, diverging epoch).
A response is applied only if the follower still fetches at that offset from that leader
in that epoch; otherwise the fetcher drops it, as Kafka does with stale responses.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs

from checker import action
from spec.mechanics import epoch_end_offset, set_at, slot_holds

NONE = -1
ASK = 99  # truncate_to: OffsetsForLeaderEpoch still to ask (the fetcher's Truncating state)
REQUEST, RESPONSE = 1, 2


# -- the truncation rules of four Kafka eras, as a table ------------------------------------


def _to_local_hw(s, r: int, ldr: int) -> int:
    """Before KIP-101: to the local (lagging) high watermark."""
    return s.hw[r]


def _kip101_offset(s, r: int, ldr: int) -> int:
    """KIP-101: OffsetsForLeaderEpoch(epoch of the last local record): the leader's end
    offset for that epoch, or the start of the next one; UNDEFINED_EPOCH_OFFSET (the leader
    has nothing of that epoch or later): fall back to the hw."""
    mine, theirs = s.log[r], s.log[ldr]
    if not mine:
        return 0
    last = mine[-1][1]
    if not theirs:
        return s.hw[r]
    if theirs[-1][1] == last:
        return len(theirs)
    later = [o for o, (_, e) in enumerate(theirs) if e > last]
    return later[0] if later else s.hw[r]


def _last_common_offset(s, r: int, ldr: int) -> int:
    """KIP-279 (and KIP-320's answer): walk back epoch by epoch to the last offset where both
    logs match."""
    mine, theirs = s.log[r], s.log[ldr]
    if not mine:
        return 0
    common = [o for o in range(min(len(mine), len(theirs))) if mine[o] == theirs[o]]
    return common[-1] + 1 if common else 0


@attrs.frozen
class TruncationRule:
    """What one era's rule decides, so that the actions ask the rule, not the era's name."""

    offset: Callable[[Any, int, int], int]  # (state, follower, leader) -> where the follower truncates
    asks_leader: bool  # the offset comes from OffsetsForLeaderEpoch, which only a live leader answers
    on_fetch_response: bool  # KIP-320: no Truncating state; fetches carry the leader epoch (fenced at the
    # leader) and the last fetched epoch, and a diverging-epoch response says where to truncate


TRUNCATION = {
    "hw": TruncationRule(_to_local_hw, asks_leader=False, on_fetch_response=False),
    "kip101": TruncationRule(_kip101_offset, asks_leader=True, on_fetch_response=False),
    "kip279": TruncationRule(_last_common_offset, asks_leader=True, on_fetch_response=False),
    "kip320": TruncationRule(_last_common_offset, asks_leader=True, on_fetch_response=True),
}


def _replicas(spec, s):
    return range(spec.replicas)


def _requests(spec, s):
    return s.requests


class FetcherActions:
    """Actions of a follower broker's fetcher and log."""

    @property
    def rule(self) -> "TruncationRule":
        """The truncation rule of the configured Kafka era (TRUNCATION)."""
        return TRUNCATION[self.truncation]

    def truncation_offset(self, s, r: int, ldr: int) -> int:
        """Where follower r truncates its log before fetching from ldr, per `truncation`
        (the older rules, asked in the Truncating state; kip320 truncates on fetch responses)."""
        return self.rule.offset(s, r, ldr)

    def _cut(self, s, r: int, to: int):
        """Truncate r's log to `to` (UnifiedLog.truncateTo: the hw follows the log end down)."""
        to = min(to, len(s.log[r]))
        return s._replace(log=set_at(s.log, r, s.log[r][:to]), hw=set_at(s.hw, r, min(s.hw[r], to)),
                          truncate_to=set_at(s.truncate_to, r, NONE))

    @action(r=_replicas, req=_requests, fair="weak", each=True)
    def become_follower(self, s, r: int, req: tuple):
        """ReplicaManager.makeFollowers: on a LeaderAndIsr with a newer epoch the replica
        records leader and epoch and hands the partition to the fetcher; truncation comes
        later, in the fetcher (every epoch change, KAFKA-7164). Before KIP-320 the fetcher
        starts in the Truncating state; from Kafka 2.7 it fetches with the last fetched epoch
        and truncates on a diverging-epoch response. A fetch already in flight stays in
        flight (its response will be stale)."""
        e, ldr, _ = req
        if r == ldr or not s.alive[r] or e <= s.epoch[r]:
            return None
        truncate_to = NONE if self.rule.on_fetch_response else ASK
        return self._prune(s._replace(
            pending=self._drop_purgatory(s, r), epoch=set_at(s.epoch, r, e), leader=set_at(s.leader, r, ldr),
            isr=set_at(s.isr, r, ()), truncate_to=set_at(s.truncate_to, r, truncate_to),
            fetch_offsets=set_at(s.fetch_offsets, r, (NONE,) * self.replicas),
            alter_in_flight=set_at(s.alter_in_flight, r, ())))

    @action(r=_replicas, fair="weak", each=True)
    def truncate(self, s, r: int):
        """The fetcher's truncation step. Truncating state (hw, kip101, kip279): truncate to
        the local hw (before KIP-101) or to the offset OffsetsForLeaderEpoch returns, asked of
        the broker the replica follows (request and answer are one step here). That broker
        answers only once it believes it leads (Partition.lastOffsetForLeaderEpoch before
        KIP-320: NOT_LEADER_FOR_PARTITION otherwise, and the fetcher retries); in any epoch,
        since the request carries no current epoch before KIP-320. (hachikuji's model lets it
        answer before it leads; with fetch responses in flight that lets it answer and then
        append a record from its own old leader, which Kafka's fetcher, removed at
        makeLeaders, never does.)
        With hw_before_truncation: the truncation a diverging fetch response asked for,
        after its hw was already applied (KAFKA-14704)."""
        t = s.truncate_to[r]
        if t == NONE or not s.alive[r]:
            return None
        if t != ASK:
            return self._cut(s, r, t)
        ldr = s.leader[r]
        if self.rule.asks_leader and not (s.alive[ldr] and s.leader[ldr] == ldr):
            return None  # OffsetsForLeaderEpoch is answered by a live broker that leads the partition
        return self._cut(s, r, self.truncation_offset(s, r, ldr))

    def next_fetch(self, s, f: int) -> tuple:
        """The fetch request f sends now, or () if it cannot: its log end offset as fetch
        offset, the epoch of its last record and its current leader epoch, to the leader it
        follows, once truncation is done and while that broker is up."""
        ldr = s.leader[f]
        if ldr == NONE or ldr == f or not s.alive[f] or not s.alive[ldr] or s.truncate_to[f] != NONE:
            return ()
        log = s.log[f]
        return (REQUEST, ldr, len(log), log[-1][1] if log else NONE, s.epoch[f], s.broker_epoch[f])

    @action(f=_replicas, fair="weak", each=True)
    def send_fetch(self, s, f: int):
        """The fetcher (re)connects and sends a fetch request (after truncation, a restart or
        a disconnect). A follower keeps one fetch outstanding: the leader parks it until it
        has something to answer (DelayedFetch), and the next request goes out as soon as a
        response is processed (receive_fetch)."""
        if s.fetch[f]:
            return None
        m = self.next_fetch(s, f)
        return s._replace(fetch=set_at(s.fetch, f, m)) if m else None

    @action(f=_replicas, fair="weak", each=True)
    def receive_fetch(self, s, f: int):
        """The fetcher processes the response, then sends the next request at once: a stale
        response (the follower has since changed leader, epoch or log end) is dropped; a
        diverging epoch truncates the log to min(leader's end offset, own end offset) of that
        epoch, and only then (KAFKA-14704's fix) is anything else applied; otherwise the
        record is appended and the follower's hw rises to min(leader hw, own log end)
        (UnifiedLog.maybeUpdateHighWatermark)."""
        m = s.fetch[f]
        if not slot_holds(m, RESPONSE) or not s.alive[f]:
            return None
        _, ldr, e, off, entry, leader_hw, div_end, div_epoch = m
        log = s.log[f]
        if s.leader[f] == ldr and s.epoch[f] == e and len(log) == off and s.truncate_to[f] == NONE:
            if div_end != NONE:
                to = min(div_end, epoch_end_offset(log, div_epoch)[1])
                if self.hw_before_truncation:  # processPartitionData ran before the diverging-epoch check
                    s = s._replace(hw=set_at(s.hw, f, max(s.hw[f], min(leader_hw, len(log)))),
                                   truncate_to=set_at(s.truncate_to, f, to))
                else:
                    s = self._cut(s, f, to)
            else:
                log = log + entry
                s = s._replace(log=set_at(s.log, f, log), hw=set_at(s.hw, f, max(s.hw[f], min(leader_hw, len(log)))))
        return s._replace(fetch=set_at(s.fetch, f, self.next_fetch(s, f)))

    @action(r=_replicas, fair="weak", each=True)
    def checkpoint_hw(self, s, r: int):
        """The periodic high-watermark checkpoint (replica.high.watermark.checkpoint.interval.ms)
        writes the in-memory hw to disk; a crash restores the last checkpoint. Once no crash
        is left in the budget the file is never read again, so the step is not taken."""
        if s.crashes >= self.max_crashes or not s.alive[r] or s.hw_checkpoint[r] == s.hw[r]:
            return None
        return s._replace(hw_checkpoint=set_at(s.hw_checkpoint, r, s.hw[r]))
