"""What is fingerprinted for a state: the state itself (Python's 64-bit hash), or its
projection by the spec's `view` (TLC's VIEW). Symmetry reduction plugs in here too, as a
fingerprint that is the same for every state of one orbit.

Python's hash of ints and tuples is fixed; of strings it is seeded per process. The counts
and traces do not depend on the seed (the search order never depends on hash values), and
the CLI fixes the seed so that fingerprints, and so any collision, repeat too.
"""

from __future__ import annotations

from typing import Any, Callable

from .spec import SpecInfo


def fingerprint_function(spec: Any, info: SpecInfo) -> Callable[[Any], int] | None:
    """A function state -> int, or None when the plain `hash(state)` is the fingerprint."""
    if info.has_view:
        view = spec.view

        def by_view(s: Any) -> int:
            return hash(view(s))

        return by_view
    return None
