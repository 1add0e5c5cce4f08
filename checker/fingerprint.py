"""What is fingerprinted for a state, and why a fingerprint never merges two different states
except by a random 64-bit collision.

The key of a state is what its fingerprint is the hash of: the state itself, its projection
by the spec's `view` (TLC's VIEW), or, under a declared symmetry (symmetry.py), one image per
orbit (the spec's `canonical()` representative, or the image with the least hash).

Python's `hash` is fast (computed in C, cached by strings) but merges unequal values by
construction, not by chance: hash(-1) == hash(-2), hash("") == hash(0), floats like ints,
ints that differ by 2**61-1, frozen dataclasses of different classes with equal fields,
enum members like their names. Two states differing only there would get one fingerprint
and the second would never be explored. So the fast fingerprint, hash(key), is backed by
a registry of the key's parts (the fields of a record, the items of a tuple or frozenset)
that is kept free of such pairs: every key fingerprinted is first tested with one C call,
`registry.covers(key)` (set.issuperset), and a part not yet registered is added only if no
registered part has its hash. Then two keys with one fingerprint have equal parts or parts
of different hashes, and Python's tuple and frozenset hashes mix different part hashes
like a random function: only a random 64-bit collision remains, as in TLC.

When two different parts do share a hash, the search is void: it runs again from the start
with exact fingerprints, which number each distinct part (a dict compares them with ==),
so no two different parts can ever be confused (`ExactFingerprint`). That costs a dict
lookup per part per successor and is only paid by specs that need it.

Fingerprints of strings depend on the per-process hash seed; the counts and traces do not
(the search order never depends on hash values), and the CLI fixes the seed so that
fingerprints, and so any collision, repeat too.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, Callable

import attrs

from .errors import SpecError
from .spec import SpecInfo
from .states import identity_value, identity_value_message
from .symmetry import canonical_key, declared_group
from .symmetry_check import self_check


def parts_function(cls: type) -> Callable[[Any], Any]:
    """How to list the parts of a key of this type: tuples (records included) and frozensets
    are their own parts; attrs and dataclass records give their fields; anything else is one
    part, itself."""
    if issubclass(cls, (tuple, frozenset)):
        return _itself
    if attrs.has(cls):
        names = [f.name for f in attrs.fields(cls)]
    elif dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
    else:
        return _alone
    if not names:
        return lambda key: ()
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else (lambda key: (get(key),))


def _itself(key: Any) -> Any:
    return key


def _alone(key: Any) -> tuple:
    return (key,)


class ValueRegistry:
    """The parts of every key fingerprinted so far, no two of them different with one hash.

    `covers(parts)` is the fast test (all parts registered); `register(parts)` adds new
    ones and records the first clash in `clash` (the search then starts again exactly).
    `fresh` collects what was added since it was last emptied, for a parallel search whose
    coordinator must see every worker's parts to find clashes between workers.
    """

    __slots__ = ("values", "by_hash", "covers", "clash", "fresh", "collect")

    def __init__(self, collect: bool = False) -> None:
        self.values: set = set()
        self.by_hash: dict[int, Any] = {}
        self.covers = self.values.issuperset
        self.clash: tuple[Any, Any] | None = None
        self.fresh: list = []
        self.collect = collect

    def __len__(self) -> int:
        return len(self.values)

    def register(self, parts: Any) -> None:
        values, by_hash = self.values, self.by_hash
        names = getattr(type(parts), "_fields", None)
        for i, v in enumerate(parts):
            if v in values:
                continue
            where = identity_value(v, names[i] if names else f"part {i}")
            if where:
                raise SpecError(identity_value_message(where))
            h = hash(v)
            other = by_hash.get(h, _MISSING)
            if other is not _MISSING:
                if self.clash is None:
                    self.clash = (other, v)
                continue
            by_hash[h] = v
            values.add(v)
            if self.collect:
                self.fresh.append(v)

    def take_fresh(self) -> list:
        fresh, self.fresh = self.fresh, []
        return fresh


_MISSING = object()


def clash_message(clash: tuple[Any, Any], rerun: bool = True) -> str:
    a, b = clash
    what = ("the search was run again with exact fingerprints, which number each distinct value (slower)"
            if rerun else "this search was cut short, and its counts may take such states for one; a search "
            "that runs to the end starts again with exact fingerprints by itself")
    return (
        f"the values {a!r} ({type(a).__name__}) and {b!r} ({type(b).__name__}) are different but Python hashes "
        f"them alike, so fast fingerprints (hash(state)) could merge two different states; {what}. "
        "To keep the fast path, "
        "encode the values so that Python hashes them apart (e.g. -3 or None instead of -2; a tag field "
        "instead of two record classes with the same fields; attrs classes, whose hash includes the class)."
    )


class ExactFingerprint:
    """Fingerprints that tell apart any two keys that == tells apart: each distinct part gets
    a number (a dict resolves equal hashes by ==), and the fingerprint hashes the key's type
    family and its parts' numbers. Tuples and NamedTuples share a family, as == does."""

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.parts: dict[type, Callable[[Any], Any]] = {}

    def number(self, v: Any) -> int:
        n = self.ids.get(v)
        if n is None:
            n = self.ids[v] = len(self.ids)
        return n

    def __call__(self, key: Any) -> int:
        cls = type(key)
        parts = self.parts.get(cls)
        if parts is None:
            parts = self.parts[cls] = parts_function(cls)
        numbers = tuple(map(self.number, parts(key)))
        if cls is frozenset or issubclass(cls, frozenset):
            return hash(("frozenset", frozenset(numbers)))
        family = "tuple" if issubclass(cls, tuple) else f"{cls.__module__}.{cls.__qualname__}"
        return hash((family, numbers))


def fingerprint_function(spec: Any, info: SpecInfo, symmetry: bool = True, registry: ValueRegistry | None = None,
                         exact: bool = False) -> Callable[[Any], int]:
    """A function state -> int. Without a view, a symmetry or exact fingerprints it has a true
    `plain` attribute: a search whose states are tuples or frozensets inlines it as
    `covers(state)` and `hash(state)`.

    With a declared symmetry (and `symmetry` true) the declaration is self-checked first
    (SpecError if it is not a symmetry); the function returned carries the group's size as
    its `symmetry` attribute (absent otherwise), and `min_of` when it is a minimum of hashes.
    """
    view = spec.view if info.has_view else None
    group = declared_group(spec) if symmetry else None
    check = self_check(spec, info, group, (lambda s: hash(view(s))) if view else hash) if group is not None else None
    digest = ExactFingerprint() if exact else _checked_hash(registry)
    if group is not None:
        fp = canonical_key(spec, group, view, digest, exact)
        fp.symmetry = len(group)  # type: ignore[attr-defined]
        fp.symmetry_check = check  # type: ignore[attr-defined]  # the search samples its new states with it
        return fp
    if view is not None:
        def by_view(s: Any) -> int:
            return digest(view(s))
        return by_view
    if exact:
        return digest

    def plain(s: Any) -> int:  # the search inlines this once it knows states are tuples or frozensets
        return digest(s)
    plain.plain = True  # type: ignore[attr-defined]
    return plain


def _checked_hash(registry: ValueRegistry | None) -> Callable[[Any], int]:
    """hash(key), after making sure the registry holds the key's parts."""
    if registry is None:
        return hash
    covers, register = registry.covers, registry.register
    parts_of: dict[type, Callable[[Any], Any]] = {}

    def checked(key: Any) -> int:
        cls = type(key)
        parts = parts_of.get(cls)
        if parts is None:
            parts = parts_of[cls] = parts_function(cls)
        p = parts(key)
        if not covers(p):
            register(p)
        return hash(key)

    return checked


def orbit_collision_factor(fingerprint: Callable[[Any], int] | None) -> float:
    """How much likelier two different states' fingerprints collide than with one hash each.

    A symmetric fingerprint without the spec's canonical() is the least of k hashes (k = group
    size): minima of k uniform 64-bit values crowd at the low end, and two of them are equal
    with probability about k^2 / (2k - 1) times that of two plain hashes (an upper bound:
    orbits can be smaller).
    """
    k = getattr(fingerprint, "min_of", 0)
    return k * k / (2 * k - 1) if k > 1 else 1.0
