"""Rebuilding counterexamples from parent pointers, as TLC does.

The search keeps, per distinct state, only its parent's index and the action instance
that produced it. A trace is rebuilt by walking those pointers back to an initial state
and re-running the actions forward, so no state needs to be stored for the trace's sake.
"""

from __future__ import annotations

from array import array

import numpy as np
from typing import Any

from .result import Step
from .spec import ActionDef
from .deadline import timer_held

WIDEN_AT = 2**31 - 1  # states past which parent indices no longer fit in 4 bytes


class ParentLog:
    """Per distinct state: parent index (or -1-k for the k-th initial state) and action instance.

    Both are 4-byte ints (8 bytes a state in all); parents widen to 8 bytes past 2**31 states.
    """

    __slots__ = ("parents", "instances", "initial", "_instance_ids", "_instance_list")

    def __init__(self) -> None:
        self.parents = array("i")
        self.instances = array("i")
        self.initial = 0  # initial states come first, one level of their own
        self._instance_ids: dict[tuple[int, tuple], int] = {}
        self._instance_list: list[tuple[int, tuple]] = []

    def __len__(self) -> int:
        return len(self.parents)

    def add_initial(self, ordinal: int) -> int:
        self.parents.append(-1 - ordinal)
        self.instances.append(-1)
        self.initial += 1
        return len(self.parents) - 1

    def instance_id(self, action_index: int, args: tuple) -> int:
        key = (action_index, args)
        iid = self._instance_ids.get(key)
        if iid is None:
            iid = self._instance_ids[key] = len(self._instance_list)
            self._instance_list.append(key)
        return iid

    def add(self, parent: int, instance: int) -> int:
        self.extend([parent], [instance])
        return len(self.parents) - 1

    def extend(self, parents: list[int], instances: list[int]) -> None:
        """Log states (lists: parent indices and action instances)."""
        with timer_held():  # a time limit falls before or after, never between the two arrays
            if self.parents.typecode == "i" and len(self.parents) + len(parents) > WIDEN_AT:
                self.parents = array("q", self.parents)
            self.parents.fromlist(parents)  # twice as fast as extend() from a list
            self.instances.fromlist(instances)

    def truncate(self, n: int) -> None:
        """Forget the states from index n on."""
        del self.parents[n:]
        del self.instances[n:]

    def new_per_action(self, n_actions: int) -> list[int]:
        """Distinct states first reached by each action (TLC's coverage 'distinct')."""
        per_instance = np.zeros(len(self._instance_list), dtype=np.int64)
        ids = np.frombuffer(self.instances, dtype=np.int32)[self.initial:]
        for lo in range(0, ids.size, 1 << 20):  # in slices: bincount copies its input to 8-byte ints
            per_instance += np.bincount(ids[lo:lo + (1 << 20)], minlength=per_instance.size)
        counts = [0] * n_actions
        for iid, k in enumerate(per_instance.tolist()):
            counts[self._instance_list[iid][0]] += k
        return counts

    def path(self, index: int) -> tuple[int, list[tuple[int, tuple]]]:
        """(initial ordinal, [(action index, args), ...]) leading to state `index`."""
        steps = []
        while True:
            parent = self.parents[index]
            if parent < 0:
                steps.reverse()
                return -1 - parent, steps
            steps.append(self._instance_list[self.instances[index]])
            index = parent


def replay(
    spec: Any,
    actions: tuple[ActionDef, ...],
    initial: Any,
    steps: list[tuple[int, tuple]],
) -> list[Step]:
    """Re-run `steps` from `initial`, returning the trace (initial state first)."""
    trace = [Step("init", initial)]
    state = initial
    for action_index, args in steps:
        act = actions[action_index]
        nxt = act.fn(spec, state, *args)
        if nxt is None:
            label = act.label(args)
            raise RuntimeError(
                f"Replaying the counterexample, {label} was not enabled in a state where it was during the search: "
                "the spec is not deterministic (it depends on something outside its state and constants, such as "
                "randomness, time, global variables or the iteration order of a set of strings)."
            )
        trace.append(Step(act.label(args), nxt, act.name, dict(zip(act.params, args))))
        state = nxt
    return trace


def verify_trace(spec: Any, trace: list[Step]) -> str | None:
    """Check that `trace` is a real behaviour of `spec`: the first state is an initial state,
    and each step's action, run with the step's arguments on the previous state, is enabled
    and yields the next state. Returns None, or a sentence saying where it stops being one.

    Counterexamples found under symmetry or a view are real traces too; this is how to check.
    """
    if not trace:
        return "the trace is empty"
    if trace[0].state not in list(spec.init()):
        return "the first state is not an initial state of the spec"
    for i, (prev, step) in enumerate(zip(trace, trace[1:]), start=1):
        fn = getattr(spec, step.name, None)
        if fn is None:
            return f"step {i}: the spec has no action {step.name!r}"
        if not _in_domain(spec, step, prev.state):
            return f"step {i}: {step.action} has an argument outside its parameter's domain in the previous state"
        nxt = fn(prev.state, **step.args)
        if nxt is None:
            return f"step {i}: {step.action} is not enabled in the previous state"
        if nxt != step.state:
            return f"step {i}: {step.action} yields a different state than the trace shows"
    return None


def _in_domain(spec: Any, step: Step, state: Any) -> bool:
    """Are the step's arguments among its action's instances in `state`? An action's code
    may trust its domain (move(group) only for a group on the boat's bank), so a step with
    other arguments is no behaviour of the spec even if the code returns a state."""
    from .spec import describe
    from .successors import instances

    act = next((a for a in describe(type(spec)).actions if a.name == step.name), None)
    if act is None or not act.params:
        return True
    return tuple(step.args.get(p) for p in act.params) in instances(act, spec, state)
