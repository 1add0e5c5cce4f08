"""State values as plain data: JSON-ready trees and flat path -> value maps for diffs.

Records (NamedTuple, attrs, dataclasses) become field maps; tuples become lists; sets
become sorted lists (sorted so the output is the same in every run)."""

from __future__ import annotations

import enum
from collections import Counter
from typing import Any

from checker.result import Violation
from checker.states import fields_of


def _sort_key(v: Any):
    return (type(v).__name__, repr(v))


def to_plain(value: Any) -> Any:
    """A JSON-serialisable rendering of a state value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    fields = fields_of(value)
    if fields is not None:
        return {name: to_plain(v) for name, v in fields}
    if isinstance(value, (tuple, list)):
        return [to_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [to_plain(v) for v in sorted(value, key=_sort_key)]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: to_plain(v) for k, v in value.items()}
        return [[to_plain(k), to_plain(v)] for k, v in sorted(value.items(), key=lambda kv: _sort_key(kv[0]))]
    return repr(value)


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf path -> leaf value. Records and dicts are entered by name, tuples by index;
    sets are leaves, since a set's members have no stable position."""
    fields = fields_of(value)
    if fields is not None:
        items = [(f"{path}.{n}" if path else n, v) for n, v in fields]
    elif isinstance(value, dict):
        items = [(f"{path}[{k!r}]", v) for k, v in value.items()]
    elif isinstance(value, (tuple, list)) and value:
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        return {path or "state": value}
    out: dict[str, Any] = {}
    for p, v in items:
        out.update(flatten(v, p))
    return out


def diff(old: Any, new: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, old, new) for every part that changed, found structurally: records of one
    type are entered by field and tuples of one length by index (per-process variables),
    so a change shows at its path; a tuple that grew or shrank (a log, a bag) or a set is
    one change, rendered by `change_text` as what was added and removed."""
    if old == new and type(old) is type(new):
        return []
    fo, fn = fields_of(old), fields_of(new)
    if fo is not None and fn is not None and type(old) is type(new):
        return [c for (name, a), (_, b) in zip(fo, fn) for c in diff(a, b, f"{path}.{name}" if path else name)]
    if isinstance(old, tuple) and isinstance(new, tuple) and fo is None and fn is None and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new)) for c in diff(a, b, f"{path}[{i}]")]
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in list(old) + [k for k in new if k not in old]:
            out += diff(old.get(k, MISSING), new.get(k, MISSING), f"{path}[{k!r}]")
        return out
    return [(path or "state", old, new)]


def change_text(old: Any, new: Any, arrow: str = "→", limit: int = 80) -> str:
    """`old → new`, or for a long collection that grew or shrank, what was added and removed."""
    a = show(old) if old is not MISSING else "∅"
    b = show(new) if new is not MISSING else "∅"
    collections = (tuple, frozenset, set)
    if len(a) + len(b) > limit and isinstance(old, collections) and isinstance(new, collections) \
            and fields_of(old) is None and fields_of(new) is None:
        try:
            added, removed = Counter(new) - Counter(old), Counter(old) - Counter(new)
        except TypeError:
            return f"{a} {arrow} {b}"
        parts = [f"+{show(x)}" for x in sorted(added.elements(), key=_sort_key)]
        parts += [f"−{show(x)}" for x in sorted(removed.elements(), key=_sort_key)]
        return ", ".join(parts) or f"{a} {arrow} {b}"
    return f"{a} {arrow} {b}"


def top_fields(state: Any) -> dict[str, Any]:
    """Top-level field -> value (a whole state shown compactly, one line per variable)."""
    fields = fields_of(state)
    return dict(fields) if fields is not None else {"state": state}


class _Missing:
    def __repr__(self) -> str:
        return "∅"


MISSING = _Missing()


def show(value: Any) -> str:
    """Compact text of a leaf value: sets sorted, records by field. An empty set is
    `frozenset()` (or `set()`), as Python writes it: `{}` would read as an empty dict."""
    if isinstance(value, (set, frozenset)):
        if not value:
            return f"{type(value).__name__}()"
        return "{" + ", ".join(show(v) for v in sorted(value, key=_sort_key)) + "}"
    if isinstance(value, enum.Enum):
        return value.name
    fields = fields_of(value)
    if fields is not None:
        return f"{type(value).__name__}(" + ", ".join(f"{n}={show(v)}" for n, v in fields) + ")"
    if isinstance(value, tuple):
        inner = ", ".join(show(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def count(n: int, noun: str) -> str:
    """`1 state`, `2 states`: English plurals for the messages."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def trace_size(trace: list) -> str:
    """How long a counterexample is, in words every report uses. An error in `init` has no
    trace at all; a violation in an initial state is a trace of one state and no step."""
    if not trace:
        return "no trace"
    if len(trace) == 1:
        return "counterexample of 1 state (an initial state, no step)"
    return f"counterexample of {count(len(trace), 'state')} ({count(len(trace) - 1, 'step')})"


def when_found(trace: list) -> str:
    """Where in the run a violation was met: `after 6 steps`, `in an initial state`."""
    if not trace:
        return "before any initial state"
    if len(trace) == 1:
        return "in an initial state"
    return f"after {count(len(trace) - 1, 'step')}"


def violation_what(v: Violation) -> str:
    """`invariant x violated`, `property p(c=1) violated`, ... (the verdict's words)."""
    return {"invariant": f"invariant {v.name} violated", "deadlock": "deadlock reached", "error": f"error in {v.name}",
            "liveness": f"property {v.name} violated"}[v.kind]


def violation_head(v: Violation) -> str:
    """The heading of a counterexample (and its last line)."""
    return {"invariant": f"Invariant {v.name} is violated", "deadlock": "Deadlock", "error": f"Error in {v.name}",
            "liveness": f"Property {v.name} is violated"}[v.kind]
