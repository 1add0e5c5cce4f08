"""The options of a search, as one value checked once.

Why one frozen value: `check()`, the one-process search, the parallel coordinator and its
workers, the command line and the model-suite runner all need the same ten settings; passed
as one `Options` they cannot drift apart, and a bad value is refused here, with one
paragraph naming it and the fix, before any state is explored.
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable

import attrs

from .errors import SpecError

LIMITS = ("max_states", "max_depth", "time_limit")


def limit_problem(value: Any) -> str | None:
    """Why `value` cannot bound a search (max_states, max_depth, time_limit), or None if it can.
    The command line words its refusal with this too."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "is not a number"
    if not math.isfinite(value):
        return "is not finite"
    if not value > 0:
        return "must be positive"
    return None


def max_workers() -> int:
    """Most workers whose pipes fit in the open-file limit: n workers and the coordinator hold
    n(n+1) pipe ends (every pair shares one pipe), besides some 30 other files."""
    import resource

    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    room = 1 << 20 if limit == resource.RLIM_INFINITY else limit - 32
    return max(1, (math.isqrt(4 * max(room, 0) + 1) - 1) // 2)


def resolve_workers(workers: int | str) -> int:
    """`workers` as a number of processes: an int >= 1, or 'auto' for every core."""
    if workers == "auto":
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError(f"workers={workers!r} must be a positive integer or 'auto' (one process per core).")
    most = max_workers()
    if workers > most:
        raise SpecError(
            f"workers={workers} is more than this machine can start: every pair of processes shares a pipe, and the "
            f"limit on open files (ulimit -n) allows at most {most} worker(s). Use at most {most}, or 'auto' (one per "
            f"core: {os.cpu_count() or 1} here)."
        )
    return workers


def _limit(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None and limit_problem(value) is not None:
        raise SpecError(f"{attribute.name}={value!r} must be a positive number, and finite (or None for no limit).")


def _flag(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, bool):
        raise SpecError(f"{attribute.name}={value!r} must be True or False.")


def _names(keyword: str, kind: str) -> Callable[[Any], tuple[str, ...] | None]:
    """A converter for `invariants=` or `properties=`: None (the spec's choice), or the names
    as a tuple (one string is one name)."""

    def convert(names: Any) -> tuple[str, ...] | None:
        if names is None:
            return None
        if isinstance(names, str):
            return (names,)
        try:
            names = tuple(names)
        except TypeError:
            raise SpecError(f"{keyword}={names!r} must be a list of {kind} names (or None to check them all).") from None
        bad = [n for n in names if not isinstance(n, str)]
        if bad:
            raise SpecError(f"{keyword}= holds {bad[0]!r}, which is not {'an' if kind[0] in 'aeiou' else 'a'} {kind} "
                            "name: give the names as strings.")
        return names

    return convert


_invariant_names = _names("invariants", "invariant")
_property_names = _names("properties", "property")


def _progress(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None and not callable(value):
        raise SpecError(f"progress={value!r} must be a function taking a dict of counts (or None for no reports).")


def _interval(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise SpecError(f"progress_interval={value!r} must be a number of seconds, 0 or more, and finite.")


def _workers(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    resolve_workers(value)


@attrs.frozen
class Options:
    """How to search: what `check()` takes besides the spec, with the same names and defaults.

    `workers` keeps what was asked ('auto' or a number); `processes` is the number started."""

    deadlock: bool = attrs.field(default=True, validator=_flag)
    invariants: tuple[str, ...] | None = attrs.field(default=None, converter=_invariant_names)
    max_states: int | None = attrs.field(default=None, validator=_limit)
    max_depth: int | None = attrs.field(default=None, validator=_limit)
    time_limit: float | None = attrs.field(default=None, validator=_limit)
    stop_on_first: bool = attrs.field(default=True, validator=_flag)
    progress: Callable[[dict], None] | None = attrs.field(default=None, validator=_progress, eq=False)
    progress_interval: float = attrs.field(default=2.0, validator=_interval)
    symmetry: bool = attrs.field(default=True, validator=_flag)
    workers: int | str = attrs.field(default=1, validator=_workers)
    # Liveness (properties.py): the properties to check (None: every declared one), and
    # whether to check any (False: safety only, as --no-liveness).
    properties: tuple[str, ...] | None = attrs.field(default=None, converter=_property_names)
    liveness: bool = attrs.field(default=True, validator=_flag)
    # Partial-order reduction (reduction.py; docs/reduction.md): off until it has earned trust.
    reduction: bool = attrs.field(default=False, validator=_flag)

    @property
    def processes(self) -> int:
        return resolve_workers(self.workers)


DEFAULT = Options()
