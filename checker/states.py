"""Checks that a value can serve as a state, and explains in one paragraph when it cannot.

These run once per state *type* (and on the slow diagnosis path), never per state: the
hot loop only compares `type(t)` against the types already accepted.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import attrs

_MUTABLE = (list, dict, set, bytearray)


def fields_of(value: Any) -> list[tuple[str, Any]] | None:
    """(name, value) pairs of a record-like state, or None for a non-record value."""
    if attrs.has(type(value)):
        return [(f.name, getattr(value, f.name)) for f in attrs.fields(type(value))]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        return list(zip(type(value)._fields, value))
    return None


def _find_mutable(value: Any, path: str = "") -> str | None:
    """Path of the first mutable container inside `value`, if any."""
    if isinstance(value, _MUTABLE):
        return f"{path or 'the state'} is a {type(value).__name__}"
    fields = fields_of(value)
    if fields is not None:
        for name, v in fields:
            found = _find_mutable(v, f"{path}.{name}" if path else name)
            if found:
                return found
    elif isinstance(value, (tuple, frozenset)):
        for i, v in enumerate(value):
            found = _find_mutable(v, f"{path}[{i}]")
            if found:
                return found
    return None


def _is_mutable_record(value: Any) -> bool:
    cls = type(value)
    if attrs.has(cls) or dataclasses.is_dataclass(cls):
        return cls.__setattr__ is object.__setattr__
    return False


def state_problem(value: Any, origin: str) -> str | None:
    """Why `value` cannot be a state (None if it can). `origin` names where it came from."""
    if value is True or value is False:
        return (
            f"{origin} returned {value!r}, not a state. An action returns the next state, or None when it is "
            "not enabled: write `if not guard: return None` and then return the new state."
        )
    cls = type(value)
    if _is_mutable_record(value):
        return (
            f"{origin} returned a mutable {cls.__name__}: states must be immutable so that they can be "
            f"fingerprinted and shared. Declare it with @attrs.frozen (or @dataclass(frozen=True), or a NamedTuple)."
        )
    try:
        hash(value)
    except TypeError as exc:
        where = _find_mutable(value)
        detail = f" ({where})" if where else f" ({exc})"
        return (
            f"{origin} returned an unhashable {cls.__name__}{detail}. States must be immutable and hashable: "
            "use tuples instead of lists, frozensets instead of sets, tuples of pairs instead of dicts, "
            "and @attrs.frozen or NamedTuple records."
        )
    if cls.__eq__ is object.__eq__ and cls.__hash__ is object.__hash__ and cls is not object:
        return (
            f"{origin} returned a {cls.__name__}, which compares by identity, so no two states would ever be "
            "equal and the search would not end. Make it a value: @attrs.frozen, @dataclass(frozen=True) or a NamedTuple."
        )
    return None


_HASH_MODULUS = (1 << 61) - 1  # CPython hashes ints modulo this


def hash_hazard(value: Any, path: str = "") -> str | None:
    """Where `value` holds an int that Python hashes like a different int (-2 like -1, and
    ints of 2**61-1 or more like smaller ones), or None. Two states differing only there
    would get one fingerprint — certainly, not with the 2**-64 chance of a real collision."""
    cls = type(value)
    if cls is int:
        return f"{path or 'the state'} = {value}" if value == -2 or abs(value) >= _HASH_MODULUS else None
    if cls is bool or cls is str or value is None:
        return None
    if isinstance(value, tuple):
        names = getattr(cls, "_fields", None)
        for i, v in enumerate(value):
            if type(v) is int and -2 < v < _HASH_MODULUS:
                continue
            found = hash_hazard(v, f"{path}.{names[i]}" if names and path else names[i] if names else f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(value, int):
        return hash_hazard(int(value), path)
    fields = fields_of(value)
    if fields is not None:
        items = [(f"{path}.{n}" if path else n, v) for n, v in fields]
    elif isinstance(value, (frozenset, set, list)):
        items = [(f"{path}[…]", v) for v in value]
    elif isinstance(value, dict):
        items = [(f"{path}[{k!r}]", v) for k, v in value.items()] + [(f"{path} key", k) for k in value]
    else:
        return None
    for p, v in items:
        found = hash_hazard(v, p)
        if found:
            return found
    return None


def hash_hazard_warning(where: str) -> str:
    return (
        f"a state holds {where}: Python hashes -1 and -2 alike (and ints of 2**61-1 or more like smaller "
        "ones), and the visited set keeps only fingerprints, so two states differing only in such a value "
        "would be counted as one and the second never checked. Encode the value differently (e.g. -3 or None "
        "instead of -2). Only the first states of the search are scanned for this."
    )
