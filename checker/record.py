"""`@record`: the state record type — a `typing.NamedTuple` with a fast `replace`.

Why a NamedTuple: it *is* a tuple, so hashing and equality run in C (a state is hashed
once per successor, compared on every fingerprint hit), it has no per-instance dict, it
pickles as a tuple (the parallel search ships states between processes), and its fields
have names, so traces, JSON and ITF output show `vote`, `net`, ... rather than positions.
attrs and dataclass records hash and compare in generated Python code instead (hashing
1.5x, `evolve` 4x slower: bench/state_types.py, docs/fast_specs.md).

What it lacked is a cheap update: `NamedTuple._replace` goes through a dict and `_make`,
2.5-3x the cost of building the record directly. `@record` generates, per class, a
`replace` whose keyword-only parameters are the fields (code generation, as attrs and
dataclasses do), so an update costs what a direct construction costs, and makes
`_replace` the same function, so existing specs speed up by adding one line.

    @record
    class S(NamedTuple):
        votes: tuple[int, ...]
        net: tuple

    s.replace(votes=set_at(s.votes, i, v))

Records compare as tuples: `S(1, 2) == (1, 2)` and they hash alike. The engine only ever
compares states of one spec, which share one type, so this never merges distinct states.
"""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

__all__ = ["record", "is_record", "UnknownFieldError"]

T = TypeVar("T", bound=type)


class UnknownFieldError(TypeError, ValueError):
    """`replace` was given a name that is not a field. A TypeError (a wrong keyword
    argument) and a ValueError (what `NamedTuple._replace` raises), so handlers of either keep working."""


class _Missing:
    """The default of every `replace` parameter: that field keeps its value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unchanged>"


_MISSING = _Missing()


def _unknown(cls: type, names: dict[str, Any]) -> UnknownFieldError:
    bad = ", ".join(repr(n) for n in names)
    close = [m for n in names for m in difflib.get_close_matches(n, cls._fields, n=1)]
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return UnknownFieldError(
        f"{cls.__name__}.replace() got {bad}, which {'is not a field' if len(names) == 1 else 'are not fields'} "
        f"of {cls.__name__}; its fields are: {', '.join(cls._fields) or 'none'}.{hint}"
    )


def _make_replace(cls: type):
    fields = cls._fields
    params = "".join(f"{f}=_M, " for f in fields)
    items = "".join(f"_self[{i}] if {f} is _M else {f}, " for i, f in enumerate(fields))
    # Field names never start with '_' (namedtuple forbids it), so they cannot shadow these names.
    src = (
        f"def replace(_self, /, {'*, ' if fields else ''}{params}**_bad):\n"
        f"    if _bad:\n"
        f"        raise _unknown(_self.__class__, _bad)\n"
        f"    return _new(_self.__class__, ({items}))\n"
    )
    ns: dict[str, Any] = {"_M": _MISSING, "_new": tuple.__new__, "_unknown": _unknown}
    exec(compile(src, f"<record replace for {cls.__qualname__}>", "exec"), ns)
    fn = ns["replace"]
    fn.__qualname__ = f"{cls.__qualname__}.replace"
    fn.__module__ = cls.__module__
    fn.__doc__ = (
        f"A copy of this {cls.__name__} with the given fields changed (keyword arguments: "
        f"{', '.join(fields)}); the others keep their values."
    )
    return fn


def is_record(cls: type) -> bool:
    """Whether `cls` is a NamedTuple-style class (a tuple subclass with `_fields`)."""
    return isinstance(cls, type) and issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)


def record(cls: T) -> T:
    """Class decorator for a `typing.NamedTuple` state class: adds the fast `replace`
    (also installed as `_replace` and, for `copy.replace` on Python 3.13+, `__replace__`).
    Returns the class itself, so pickling, `_fields` and everything else stay as they were."""
    if not is_record(cls):
        raise TypeError(
            f"@record decorates a typing.NamedTuple class; {getattr(cls, '__name__', cls)!r} is not one. "
            "Declare the state as `class S(NamedTuple):` with one annotated line per field, and put @record above it."
        )
    clash = [n for n in ("replace",) if n in cls._fields]
    if clash:
        raise TypeError(
            f"{cls.__name__} has a field named {clash[0]!r}, which @record's method would hide; rename the field."
        )
    own = vars(cls).get("replace")
    if own is not None:
        if getattr(own, "__record__", None) is cls:
            return cls  # decorated twice: nothing to do
        raise TypeError(f"{cls.__name__} already defines replace(); @record would overwrite it.")
    fn = _make_replace(cls)
    fn.__record__ = cls
    cls.replace = fn
    cls._replace = fn
    cls.__replace__ = fn
    return cls
