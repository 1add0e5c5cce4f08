"""What a manifest entry's run came to, as data for the report writers: the `Outcome`
record and the outcome in the manifest's vocabulary (`got_text`).

Running entries and judging them is `protocheck.suite`'s job (the layer above the engine
and the reports); here only the record they all share, so that the writers (terminal,
JUnit, JSON, Markdown) render outcomes without importing the code that produced them.
"""

from __future__ import annotations

import attrs

from checker.result import CheckResult

from .manifest import Entry
from .values import count


@attrs.frozen
class Outcome:
    """One entry's run: the result (None if the spec could not even be built), what was
    got in the manifest's vocabulary, and whether that is what was expected."""

    entry: Entry
    result: CheckResult | None
    got: str
    passed: bool
    detail: str = ""  # why it did not pass, or the build error

    @property
    def seconds(self) -> float:
        return self.result.seconds if self.result else 0.0


def got_text(r: CheckResult) -> str:
    """The outcome in the manifest's vocabulary: ok, violation NAME (N states), deadlock, ...;
    a liveness violation says where its cycle starts, or where it stutters forever."""
    v = r.violation
    if r.status == "violation" and v is not None and v.loop is not None:  # a lasso: where its cycle starts
        end = f"stutters forever at step {v.loop}" if v.loop_step is None else f"cycle from step {v.loop}"
        return f"violation {v.name} ({count(len(v.trace), 'state')}, {end})"
    if r.status == "violation" and v is not None:
        return f"violation {v.name} ({count(len(v.trace), 'state')})"
    if r.status == "deadlock" and v is not None:
        return f"deadlock ({count(len(v.trace), 'state')})"
    if r.status == "error" and v is not None:
        return f"error in {v.name}"
    if r.status in ("incomplete", "interrupted"):
        return f"{r.status} ({r.reason})"
    if r.status == "no_violation" and r.simulation is not None:
        return f"no_violation ({count(r.simulation.traces, 'trace')})"
    return r.status
