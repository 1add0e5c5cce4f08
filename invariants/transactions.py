"""Predicates for transactional logs: which records are committed, grouped by transaction.

A record's *outcome* is 'committed' or 'aborted' once the transaction coordinator has
decided (PrepareCommit / PrepareAbort are durable decisions even before every marker is
written), else 'open'. The model passes outcomes in, so these predicates hold over any
marker order: atomicity in Kafka is "the decision covers every partition", not "every
marker lands at the same instant".
"""

from __future__ import annotations

from collections import defaultdict
from typing import Hashable, Iterable

from checker import fail
from checker.spec import Failure

from .common import no_duplicates


def one_outcome_per_transaction(parts: Iterable[tuple[Hashable, str, str]]) -> bool | Failure:
    """`parts`: (transaction, where, outcome). No transaction has one part committed and
    another aborted."""
    outcomes: dict[Hashable, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for tx, where, outcome in parts:
        outcomes[tx][outcome].append(where)
    for tx in sorted(outcomes, key=repr):
        o = outcomes[tx]
        if o.get("committed") and o.get("aborted"):
            return fail(f"transaction {tx!r} is committed in {o['committed']} but aborted in {o['aborted']}")
    return True


def exactly_once(committed_inputs: dict[str, list[int]], consumed_upto: int) -> bool | Failure:
    """For each output partition, the inputs whose output is committed there: each input at
    most once, and every input below the committed consumer offset exactly once."""
    for where in sorted(committed_inputs):
        inputs = committed_inputs[where]
        verdict = no_duplicates(inputs, what=f"in {where}, the committed output of input")
        if not verdict:
            return verdict
        missing = [k for k in range(consumed_upto) if k not in inputs]
        if missing:
            return fail(f"input records {missing} are below the committed input offset {consumed_upto} but have no committed output in {where}")
    return True
