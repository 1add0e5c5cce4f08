"""Who sent what to whom in a step, for sequence diagrams. An optional convention; the
first rule that applies wins:

1. The spec defines `message_flow(self, step) -> (sender, receiver, label) | None`
   (`step` is a `checker.Step`: `.name`, `.args`, `.action`, `.state`). Return None for
   a step that moves no message. sender == receiver draws a local step on that lifeline.
2. The action has parameters named `src` and `dst`: a message from src to dst, labelled
   with the action's name.
3. An argument is a record (e.g. a NamedTuple message taken from the network bag) with
   fields `src` and `dst`: its delivery, labelled `action: RecordType`.

Processes are drawn as lifelines named `p<id>` for ints, or by their str otherwise.
"""

from __future__ import annotations

from typing import Any

from checker.result import Step
from checker.states import fields_of


def process_name(p: Any) -> str:
    return f"p{p}" if isinstance(p, int) and not isinstance(p, bool) else str(p)


def message_flow(spec: Any, step: Step) -> tuple[str, str, str] | None:
    """(sender, receiver, label) of `step` under the convention above, or None."""
    if step.name == "init":
        return None
    hook = getattr(spec, "message_flow", None)
    if callable(hook):
        found = hook(step)
        if found is None:
            return None
        sender, receiver, label = found
        return process_name(sender), process_name(receiver), str(label)
    args = step.args
    if "src" in args and "dst" in args:
        return process_name(args["src"]), process_name(args["dst"]), step.name
    for value in args.values():
        fields = fields_of(value)
        if fields is not None:
            f = dict(fields)
            if "src" in f and "dst" in f:
                return process_name(f["src"]), process_name(f["dst"]), f"{step.name}: {type(value).__name__}"
    return None


def flows(spec: Any, trace: list[Step]) -> list[tuple[str, str, str] | None]:
    """One entry per step of the trace (None for the initial state and local steps)."""
    out = []
    for st in trace:
        try:
            out.append(message_flow(spec, st))
        except Exception:  # a broken hook must not hide the counterexample
            out.append(None)
    return out
