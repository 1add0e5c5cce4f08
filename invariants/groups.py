"""Predicates for consumer groups: who owns a partition, which commits were accepted, and
what happened to each record below a committed offset. Written over plain tuples so any
group model (classic generations or KIP-848 member epochs) can reuse them."""

from __future__ import annotations

from typing import Iterable

from checker import fail
from checker.spec import Failure

from .common import no_duplicates


def one_owner_per_partition(owned: dict[int, Iterable[int]]) -> bool | Failure:
    """No partition is in the owned set of two members. `owned`: member -> partitions it
    owns, restricted by the caller to the members the coordinator counts as current."""
    claims = [(p, m) for m, parts in sorted(owned.items()) for p in parts]
    if no_duplicates(p for p, _ in claims):
        return True
    p = next(p for p, _ in claims if sum(q == p for q, _ in claims) > 1)
    return fail(f"partition {p} is owned by current members {[m for q, m in claims if q == p]}")


def processed_below_committed(
    committed: tuple[int, ...],
    processed: tuple[tuple[int, ...], ...],
    in_flight: Iterable[tuple[int, int]] = (),
    what: str = "lost",
) -> bool | Failure:
    """Every offset below a partition's committed offset was processed at least once, or is
    `in_flight` (partition, offset) in the hands of a live member that will process it."""
    pending = set(in_flight)
    for p, upto in enumerate(committed):
        for off in range(upto):
            if processed[p][off] == 0 and (p, off) not in pending:
                return fail(f"record p{p}@{off} is below the committed offset {upto} of partition {p} but was never processed ({what})")
    return True


def processed_at_most_once(processed: tuple[tuple[int, ...], ...]) -> bool | Failure:
    """No record was processed twice. `processed[p][off]`: how many times (capped)."""
    for p, counts in enumerate(processed):
        for off, n in enumerate(counts):
            if n > 1:
                return fail(f"record p{p}@{off} was processed {n} times")
    return True
