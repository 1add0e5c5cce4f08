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


def admit_state_type(types: set[type], t: Any) -> bool:
    """Accept a successor of a type not met yet, once, if it can be a state and is of the initial
    states' kind (a subclass of one); every engine calls this, so they accept the same states.
    False sends the engine to its slow path, which says what is wrong (diagnose.py)."""
    if state_problem(t, "an action") or not any(isinstance(t, k) for k in types):
        return False
    types.add(type(t))
    return True


def identity_value(value: Any, path: str = "", depth: int = 0) -> str | None:
    """Where `value` holds something that is only ever equal to itself — an object compared by
    identity (a plain class without __eq__) or a float nan — or None. A state holding one is
    never equal to a state built again later, so the search would count each visit anew."""
    if depth > 200:
        return None
    cls = type(value)
    if cls in _PLAIN:
        return None
    if cls is float:
        return f"{path or 'the state'} is nan" if value != value else None
    if isinstance(value, (tuple, frozenset)):
        names = getattr(cls, "_fields", None)
        for i, v in enumerate(value):
            if type(v) in _PLAIN:
                continue
            where = f"{path}.{names[i]}" if names and path else names[i] if names else f"{path}[{i}]" if cls is not frozenset else f"{path}[…]"
            found = identity_value(v, where, depth + 1)
            if found:
                return found
        return None
    fields = fields_of(value)
    if fields is not None:
        for n, v in fields:
            found = identity_value(v, f"{path}.{n}" if path else n, depth + 1)
            if found:
                return found
        return None
    if cls.__eq__ is object.__eq__ and cls.__hash__ is object.__hash__ and cls is not object and not isinstance(value, type):
        return f"{path or 'the state'} is a {cls.__name__} object, compared by identity"
    return None


_PLAIN = frozenset({int, str, bool, type(None), bytes})


def identity_value_message(where: str) -> str:
    return (
        f"A state holds a value that is only equal to itself: {where}. Two states built the same way would "
        "never be equal, so the search would count every visit as a new state (and might not end). Make it a "
        "value: @attrs.frozen, @dataclass(frozen=True) or a NamedTuple for objects; None or a sentinel string "
        "instead of nan."
    )
