"""State values as plain data: JSON-ready trees and flat path -> value maps for diffs.

Records (NamedTuple, attrs, dataclasses) become field maps; tuples become lists; sets
become sorted lists (sorted so the output is the same in every run)."""

from __future__ import annotations

import enum
from typing import Any

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


def diff(old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """(path, old, new) for every leaf that changed; a missing side is the `MISSING` marker."""
    a, b = flatten(old), flatten(new)
    changes = []
    for path in list(a) + [p for p in b if p not in a]:
        va, vb = a.get(path, MISSING), b.get(path, MISSING)
        if va != vb or type(va) is not type(vb):
            changes.append((path, va, vb))
    return changes


class _Missing:
    def __repr__(self) -> str:
        return "∅"


MISSING = _Missing()


def show(value: Any) -> str:
    """Compact text of a leaf value: sets sorted, records by field."""
    if isinstance(value, (set, frozenset)):
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
