"""The messages of a parallel search, by name: what the coordinator and the workers say.

Why named tuples: a reader of `done.new_states` need not count positions, and a message
of the wrong type fails where it is dispatched; they pickle as a class reference and a
tuple, so a message costs about what the bare tuple did (messages are few: batches of
thousands of candidates, and a handful per level).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, NamedTuple


# -- coordinator -> worker ---------------------------------------------------------------------

class Level(NamedTuple):
    """Expand the frontier; stop once more than `budget` new states are owned (max_states, max_depth)."""

    budget: int
    violated: set[str]  # invariants (and 'deadlock') already reported: not reported again
    time_limit: float | None
    t0: float
    progress_interval: float


class AskKeys(NamedTuple):
    """Send the keys of this level's new states, sorted (to find where a max_states cut falls)."""


class Cut(NamedTuple):
    """Count the level up to a stop at successor `successor` of the state of rank `rank`."""

    rank: int
    successor: int
    include: bool  # whether the new state at the stop itself counts


class KeyOf(NamedTuple):
    """The key (parent pointer) of the state of rank `rank` in `level`, if the worker holds it."""

    level: int
    rank: int


class Quit(NamedTuple):
    """The search is over."""


# -- worker -> coordinator ---------------------------------------------------------------------

class Phase(IntEnum):
    """Where, within the expansion of one state, a finding happens: the third part of its
    position (rank, successor, phase), which orders findings as one process meets them."""

    GENERATED = 0  # the invariants of the new state made by successor `successor`
    RAISED = 1  # the spec's code failed after `successor` successors (an action or a constraint)
    EXPANDED = 2  # once every successor is made: the deadlock and @terminal checks


class Position(NamedTuple):
    rank: int
    successor: int
    phase: int


class Expanding(NamedTuple):
    """A finding about the frontier state of this rank (a deadlock, an error while expanding it)."""

    rank: int


class Generated(NamedTuple):
    """A finding about the new state with this key (an invariant it breaks, or one that raised)."""

    key: int


class Event(NamedTuple):
    """A finding of a level, reported with its position; the coordinator takes them in order."""

    position: Position
    kind: str  # 'invariant' | 'deadlock' | 'error', as Violation.kind
    detail: Any  # invariant: [(name, message)]; error: the Diagnosis; deadlock: None
    where: Expanding | Generated


class LevelDone(NamedTuple):
    """A worker's report at the end of a level."""

    new_states: int  # new states it owns
    fired: list[int]  # successors per action
    new: list[int]  # new states per action
    events: list[Event]
    stopped: str  # '' (the level ran to its end or to a budget), 'stopped' (time limit, abort) or 'interrupted'
    fresh_parts: Any  # the parts of fingerprints new to it (fingerprint.py), for the coordinator's clash check
    clash: Any  # two values it met that hash alike, or None
    exercised: list[str]  # premises of @invariant(exercised=...) seen to hold
    asymmetry: str = ""  # the symmetry self-check's paragraph, if a sampled new state broke the declaration


class SortedKeys(NamedTuple):
    """The level's new keys, sorted: to the coordinator (AskKeys) and to every peer (ranks)."""

    data: bytes


class CutCounts(NamedTuple):
    """The reply to a Cut."""

    new_states: int
    new: list[int]  # per action
    fired: list[int]  # per action
    expanded: int  # frontier states expanded before the one the stop is in


class ParentKey(NamedTuple):
    """The reply to KeyOf: the key, or None from the workers that do not hold the state."""

    key: int | None


class Progress(NamedTuple):
    worker: int
    generated: int
    new_states: int
    expanded: int


class Crash(NamedTuple):
    worker: int
    traceback: str


# -- worker -> worker ------------------------------------------------------------------------

class Candidates(NamedTuple):
    """Fingerprints, keys and actions of successors the receiver owns (parallel_loop.py)."""

    data: bytes


class LevelEnd(NamedTuple):
    """The sender has sent all its candidates of this level."""


class Want(NamedTuple):
    """The states the receiver sent candidates for and the sender keeps, by (key, action, fingerprint)."""

    data: bytes


class States(NamedTuple):
    """The reply to a Want: the states in order, as plain tuples of `cls` when it is not None."""

    cls: type | None
    states: list
