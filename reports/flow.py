"""Who sent what to whom in a step, for sequence diagrams. An optional convention; the
first rule that applies wins:

1. The spec defines `message_flow(self, step) -> (sender, receiver, label) | None`
   (`step` is a `checker.Step`: `.name`, `.args`, `.action`, `.state` after the step), or
   `message_flow(self, step, before)` to also get the state before it (what a message
   taken off a queue said). Return None for a step that moves no message; sender ==
   receiver draws a local step on that lifeline.
2. The action has parameters named `src` and `dst`: a message from src to dst, labelled
   with the action's name.
3. An argument is a record (e.g. a NamedTuple message taken from the network bag) with
   fields `src` and `dst`: its delivery, labelled with what the message is (below).

A message's label (rule 3): the spec's `message_label(self, msg) -> str` when it defines
one; else the record's `kind` (or `type`, `mtype`, `tag`, `op`) field; else its class name.
So a request and a vote of one message class read differently on the arrows.

Lifelines: the spec's optional `processes(self)` (every process, in the order to draw
them, so processes that never send or receive in the trace still get a lifeline), then any
other process a flow names. Ids that are ints are drawn as `p<id>`, others by their str.
"""

from __future__ import annotations

import enum
import inspect
from typing import Any

from checker.result import Step
from checker.states import fields_of

KIND_FIELDS = ("kind", "type", "mtype", "tag", "op")


def process_name(p: Any) -> str:
    return f"p{p}" if isinstance(p, int) and not isinstance(p, bool) else str(p)


def message_label(spec: Any, msg: Any) -> str:
    """What the message is, for its arrow (see the module's docstring)."""
    hook = getattr(spec, "message_label", None)
    if callable(hook):
        return str(hook(msg))
    fields = dict(fields_of(msg) or ())
    for name in KIND_FIELDS:
        kind = fields.get(name)
        if isinstance(kind, enum.Enum):
            return kind.name
        if isinstance(kind, str):
            return kind
    return type(msg).__name__


def message_flow(spec: Any, step: Step, before: Any = None) -> tuple[str, str, str] | None:
    """(sender, receiver, label) of `step` under the convention above, or None."""
    if step.name == "init":
        return None
    hook = getattr(spec, "message_flow", None)
    if callable(hook):
        found = hook(step, before) if _takes_before(hook) else hook(step)
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
                return process_name(f["src"]), process_name(f["dst"]), message_label(spec, value)
    return None


def _takes_before(hook) -> bool:
    try:
        params = inspect.signature(hook).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


def flows(spec: Any, trace: list[Step]) -> list[tuple[str, str, str] | None]:
    """One entry per step of the trace (None for the initial state and steps moving nothing)."""
    out, before = [], None
    for st in trace:
        try:
            out.append(message_flow(spec, st, before))
        except Exception:  # a broken hook must not hide the counterexample
            out.append(None)
        before = st.state
    return out


def lifelines(spec: Any, found: list[tuple[str, str, str]]) -> list[str]:
    """Every process to draw: the spec's `processes()` in its order, then any other the
    flows name (ints first, by number)."""
    declared: list[str] = []
    hook = getattr(spec, "processes", None)
    if callable(hook):
        try:
            declared = [process_name(p) for p in hook()]
        except Exception:  # a broken hook must not hide the counterexample
            declared = []
    seen = {p for s, r, _ in found for p in (s, r)} - set(declared)
    return list(dict.fromkeys(declared)) + sorted(seen, key=_natural)


def _natural(name: str):
    return (0, int(name[1:]), name) if name[:1] == "p" and name[1:].isdigit() else (1, 0, name)
