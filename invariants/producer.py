"""Predicates for a producer's records in a partition log, as a consumer reading the log in
offset order sees them. Written over plain tuples so any producer model (idempotent,
transactional, or none) can reuse them.

A log entry is any tuple whose first field is the record id; `send_order` maps a record id
to its position in the producer's send order for that partition; `epoch_of` picks the
producer epoch (or instance number) out of an entry.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from checker import fail
from checker.spec import Failure

from .common import in_order, no_duplicates as _distinct


def _first_occurrences(log: Iterable[tuple]) -> list:
    seen, out = set(), []
    for entry in log:
        if entry[0] not in seen:
            seen.add(entry[0])
            out.append(entry[0])
    return out


def per_partition_fifo(log: Sequence[tuple], send_order: Mapping[Any, int], where: str = "log") -> bool | Failure:
    """One producer's records appear in the order they were sent. Judged on first
    occurrences, so that a re-appended duplicate is `no_duplicates`' business, not a reorder."""
    firsts = _first_occurrences(log)
    verdict = in_order(firsts, key=lambda r: send_order[r], what=f"records in {where}")
    return True if verdict else fail(f"{where} {[e[0] for e in log]}: {verdict.reason}")


def no_duplicates(log: Sequence[tuple], where: str = "log") -> bool | Failure:
    """No record appears twice."""
    verdict = _distinct((e[0] for e in log), what="record")
    return True if verdict else fail(f"{where} {[e[0] for e in log]}: {verdict.reason}")


def no_gaps(log: Sequence[tuple], sent: Sequence[Any], where: str = "log") -> bool | Failure:
    """The records present are a prefix of the send order `sent`: no record is visible while
    one sent before it (to the same partition) is missing."""
    present = {e[0] for e in log}
    for pos, r in enumerate(sent):
        if r not in present:
            later = [x for x in sent[pos + 1 :] if x in present]
            if later:
                return fail(f"{where} {[e[0] for e in log]} holds {later[0]!r} but not {r!r}, sent before it")
            return True
    return True


def exactly_once_per_partition(all_acked: bool, log: Sequence[tuple], sent: Sequence[Any], where: str = "log") -> bool | Failure:
    """Once the producer holds an acknowledgement for every record, each record sent to this
    partition appears exactly once (no duplicates, no gaps, none missing): the idempotent
    producer's delivery promise, about one log. (Exactly-once *processing*, an input's
    output committed once across a consume-transform-produce loop, is invariants/transactions.py's.)"""
    if not all_acked:
        return True
    records = [e[0] for e in log]
    missing = [r for r in sent if r not in records]
    twice = sorted({r for r in records if records.count(r) > 1}, key=repr)
    if missing or twice:
        return fail(f"every record is acknowledged, but {where} {records} " + (f"lacks {missing}" if missing else f"holds {twice} twice"))
    return True


def zombie_fenced(log: Sequence[tuple], epoch_of: Callable[[tuple], int], where: str = "log") -> bool | Failure:
    """No record of a fenced (older) producer epoch is appended after a record of a newer
    epoch: along the log, the producer's epochs never decrease."""
    newest = None
    for off, entry in enumerate(log):
        e = epoch_of(entry)
        if newest is not None and e < newest[0]:
            return fail(f"{where} offset {off}: record {entry[0]!r} of epoch {e} appended after epoch {newest[0]} (offset {newest[1]}) was registered")
        if newest is None or e > newest[0]:
            newest = (e, off)
    return True
