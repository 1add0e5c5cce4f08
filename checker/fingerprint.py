"""What is fingerprinted for a state: the state itself (Python's 64-bit hash), or its
projection by the spec's `view` (TLC's VIEW), or, when the spec declares a symmetry (see
symmetry.py), one fingerprint per orbit (the least over the state's images, or that of
the spec's canonical representative), so that one state per orbit is explored.

Python's hash of ints and tuples is fixed; of strings it is seeded per process. The counts
and traces do not depend on the seed (the search order never depends on hash values), and
the CLI fixes the seed so that fingerprints, and so any collision, repeat too.
"""

from __future__ import annotations

from typing import Any, Callable

from .spec import SpecInfo
from .symmetry import canonical_fingerprint, declared_group, self_check


def fingerprint_function(spec: Any, info: SpecInfo, symmetry: bool = True) -> Callable[[Any], int] | None:
    """A function state -> int, or None when the plain `hash(state)` is the fingerprint.

    With a declared symmetry (and `symmetry` true) the declaration is self-checked first
    (SpecError if it is not a symmetry); the function returned carries the group's size as
    its `symmetry` attribute (absent otherwise), and `min_of` when it is a minimum of hashes.
    """
    view = spec.view if info.has_view else None
    group = declared_group(spec) if symmetry else None
    if group is not None:
        self_check(spec, info, group, (lambda s: hash(view(s))) if view else hash)
        fp = canonical_fingerprint(spec, group, view)
        fp.symmetry = len(group)  # type: ignore[attr-defined]
        return fp
    if view is not None:

        def by_view(s: Any) -> int:
            return hash(view(s))

        return by_view
    return None


def orbit_collision_factor(fingerprint: Callable[[Any], int] | None) -> float:
    """How much likelier two different states' fingerprints collide than with one hash each.

    A symmetric fingerprint without the spec's canonical() is the least of k hashes (k = group
    size): minima of k uniform
    64-bit values crowd at the low end, and two of them are equal with probability about
    k^2 / (2k - 1) times that of two plain hashes (an upper bound: orbits can be smaller).
    """
    k = getattr(fingerprint, "min_of", 0)
    return k * k / (2 * k - 1) if k > 1 else 1.0
