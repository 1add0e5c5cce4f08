"""Symmetry reduction (TLC's SYMMETRY): declaring it, the group it generates, and a self-check.

The self-check of a declaration lives in symmetry_check.py.

A spec declares symmetry with two optional methods (duck-typed, like `view`):

    def symmetry(self):            # permutations that leave the protocol unchanged
        return permutations_of(self.n)
    def permute(self, s, p):       # the state with every id i renamed to p[i]
        return s._replace(role=reindex(s.role, p), leader=rename(s.leader, p))

A permutation is a tuple of ints, a permutation of range(k) (p[i] is the new name of id i),
or, when several sets of values are interchangeable independently (acceptors and values
in MCVoting), a tuple of such tuples, one per set. `symmetry()` may return generators
only: the engine closes them under composition (as TLC's permutationSubgroup does), so
the fingerprint, a minimum over the whole group, is the same for every state of an orbit.

That minimum costs |G| permutations per successor (720 for 6 processes). A spec may add

    def canonical(self, s):        # one representative per orbit, computed directly
        return self.permute(s, sorting_permutation(list(zip(s.pc, s.votes))))

and the engine fingerprints that instead (as Stateright's `Representative` or Murphi's
normalisation do): sorting processes by their local variables is canonical when no
variable holds a process id. The self-check then also checks, on its sample, that
canonical() is the same across an orbit and never merges two orbits.

Why a self-check: a declaration that is not a symmetry (an action that breaks ties by
id, an id left un-renamed in `permute`) silently merges states that behave differently,
and the check then passes on a state space it never explored. `self_check` runs before
the search, on the first states reachable without symmetry, and stops with a SpecError
that names the permutation, the state and what differed.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any, Callable, Iterable, Sequence

from .errors import SpecError
from .successors import successors

Perm = tuple  # tuple[int, ...] or tuple[tuple[int, ...], ...]

MAX_GROUP = 50_000  # beyond this every fingerprint costs too much: declare fewer ids symmetric

# -- helpers a spec's permute() uses --------------------------------------------------------


def permutations_of(n: int) -> tuple[tuple[int, ...], ...]:
    """Every permutation of ids 0..n-1 (the full symmetric group), identity first."""
    return tuple(itertools.permutations(range(n)))


def swaps_of(n: int) -> tuple[tuple[int, ...], ...]:
    """Generators of the full symmetric group on 0..n-1: the adjacent transpositions."""
    out = []
    for i in range(n - 1):
        p = list(range(n))
        p[i], p[i + 1] = p[i + 1], p[i]
        out.append(tuple(p))
    return tuple(out)


def product_of(*groups: Iterable[tuple[int, ...]]) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """Permutations acting on several independent id sets at once (e.g. acceptors x values)."""
    return tuple(itertools.product(*[tuple(g) for g in groups]))


def reindex(t: tuple, p: Sequence[int]) -> tuple:
    """A per-process tuple after renaming: the entry of process i moves to position p[i]."""
    out = [None] * len(t)
    for i, x in enumerate(t):
        out[p[i]] = x
    return tuple(out)


def rename(x: int, p: Sequence[int]) -> int:
    """One id renamed; negative values (the NONE = -1 convention) are not ids and stay."""
    return p[x] if x >= 0 else x


def rename_all(xs: Iterable[int], p: Sequence[int]) -> Any:
    """A frozenset of ids renamed (a frozenset), or a sorted tuple of ids renamed and re-sorted."""
    if isinstance(xs, frozenset):
        return frozenset(p[x] if x >= 0 else x for x in xs)
    return tuple(sorted(p[x] if x >= 0 else x for x in xs))


def rename_mask(mask: int, p: Sequence[int]) -> int:
    """A bitmask of ids (bit i set = id i is a member) renamed."""
    out = 0
    for i, new in enumerate(p):
        if mask >> i & 1:
            out |= 1 << new
    return out


def sorting_permutation(keys: Sequence[Any]) -> tuple[int, ...]:
    """The permutation p under which processes come in order of their keys (ties by id):
    reindex(keys, p) is sorted. For a `canonical()` that sorts processes."""
    p = [0] * len(keys)
    for rank, i in enumerate(sorted(range(len(keys)), key=keys.__getitem__)):
        p[i] = rank
    return tuple(p)


def sorted_representative(s: Any, ids: Sequence[int], keys: Sequence[Any],
                          image: Callable[[Any, list], Any]) -> Any:
    """The body of a cheap `canonical()`: the symmetric `ids` sorted by `keys` (keys[k] is a
    renaming-invariant signature of ids[k]: its local variables, and the ids it mentions as
    self / none / other). `image(s, order)` builds the state in which id order[k] is renamed
    ids[k]. Every image of s has the same keys, so the same candidates: the result is one
    per orbit, and an image of s, so two orbits never share it. Returns `s` itself when it
    is already in order (no state to build), one image when the keys differ, and the least
    image over the orderings of tied ids otherwise (states must compare with <)."""
    rank = sorted(range(len(ids)), key=keys.__getitem__)
    order = [ids[k] for k in rank]
    ties = [k for k in range(1, len(rank)) if keys[rank[k]] == keys[rank[k - 1]]]
    if not ties:
        return s if order == list(ids) else image(s, order)
    groups, first = [], 0  # runs of equal keys in `order`
    for k in range(1, len(order) + 1):
        if k == len(order) or keys[rank[k]] != keys[rank[first]]:
            groups.append(order[first:k])
            first = k
    return min(image(s, [i for g in choice for i in g])
               for choice in itertools.product(*(itertools.permutations(g) for g in groups)))


def rename_bag(bag: tuple, f: Callable[[Any], Any]) -> tuple:
    """A bag (sorted tuple) of messages, each renamed by `f`, sorted again so equal bags stay equal."""
    return tuple(sorted(f(m) for m in bag))


# -- the group --------------------------------------------------------------------------------


def _shape(p: Any) -> tuple[int, ...] | None:
    """(k,) for a flat permutation of range(k), (k1, k2, ...) for a product; None if neither."""
    if not isinstance(p, tuple):
        return None
    if all(isinstance(x, int) and not isinstance(x, bool) for x in p):
        return (len(p),) if sorted(p) == list(range(len(p))) else None
    parts = [_shape(x) for x in p]
    if p and all(s is not None and len(s) == 1 and isinstance(x, tuple) and (not x or isinstance(x[0], int))
                 for s, x in zip(parts, p)):
        return tuple(s[0] for s in parts)
    return None


def compose(p: Perm, q: Perm) -> Perm:
    """p after q: id i goes to p[q[i]] (componentwise for a product)."""
    if p and isinstance(p[0], tuple):
        return tuple(compose(a, b) for a, b in zip(p, q))
    return tuple(p[i] for i in q)


def _identity(shape: tuple[int, ...], nested: bool) -> Perm:
    if nested:
        return tuple(tuple(range(k)) for k in shape)
    return tuple(range(shape[0]))


def declared_group(spec: Any) -> tuple[Perm, ...] | None:
    """The group the spec's `symmetry()` generates (identity first, then in BFS order), or
    None when the spec declares none or only the identity."""
    declare = getattr(spec, "symmetry", None)
    if not callable(declare):
        return None
    name = type(spec).__name__
    if not callable(getattr(spec, "permute", None)):
        raise SpecError(
            f"{name} declares symmetry() but no permute(self, state, perm): define permute to return the "
            "state with every symmetric id i renamed to perm[i] (see checker.symmetry)."
        )
    gens = declare()
    if gens is None:
        return None
    gens = tuple(gens)
    shapes = {_shape(g) for g in gens}
    if None in shapes or len(shapes) > 1:
        bad = next((g for g in gens if _shape(g) is None), gens[0] if gens else None)
        raise SpecError(
            f"{name}.symmetry() must return permutations of one shape: tuples p that are permutations of "
            f"0..k-1 (p[i] = the new name of id i), or tuples of such tuples, one per interchangeable set; "
            f"got {bad!r}{' among mixed shapes ' + repr(sorted(s for s in shapes if s)) if len(shapes) > 1 else ''}."
        )
    if not gens:
        return None
    shape = shapes.pop()
    nested = bool(gens[0]) and isinstance(gens[0][0], tuple)
    ident = _identity(shape, nested)
    group, order, used = {ident}, [ident], []
    for gen in gens:  # only generators not yet in the group close it again: a few, even if gens is the group
        if gen in group:
            continue
        used.append(gen)
        todo = deque(order)
        while todo:
            g = todo.popleft()
            for h in used:
                c = compose(h, g)
                if c in group:
                    continue
                group.add(c)
                order.append(c)
                todo.append(c)
                if len(order) > MAX_GROUP:
                    raise SpecError(
                        f"{name}.symmetry() generates a group of more than {MAX_GROUP} permutations; each "
                        "fingerprint would permute the state that many times. Declare fewer ids symmetric."
                    )
    return tuple(order) if len(order) > 1 else None


def canonical_key(spec: Any, group: Sequence[Perm], view: Callable[[Any], Any] | None,
                  digest: Callable[[Any], int], exact: bool = False) -> Callable[[Any], int]:
    """state -> the same number for every state of an orbit: the digest (fingerprint.py) of
    the spec's canonical(state) if it has one, else of the state's image under the group
    (which maps an orbit onto itself) with the least hash — or, for exact digests, the least
    digest. The latter has a `min_of` attribute, the number of hashes it takes the least of.
    Only the chosen image goes through `digest`: it is the one whose parts must be known."""
    canonical = getattr(spec, "canonical", None)
    if callable(canonical):
        if view is None:
            def by_canonical(s: Any) -> int:
                return digest(canonical(s))
        else:
            def by_canonical(s: Any) -> int:
                return digest(view(canonical(s)))
        return by_canonical
    permute = spec.permute
    perms = tuple(group[1:])  # group[0] is the identity: the state itself
    if view is None:
        def images(s: Any) -> list:
            return [s] + [permute(s, p) for p in perms]
    else:
        def images(s: Any) -> list:
            return [view(s)] + [view(permute(s, p)) for p in perms]
    if exact:
        def by_orbit(s: Any) -> int:
            return min(map(digest, images(s)))
    else:
        def by_orbit(s: Any) -> int:
            found = images(s)
            hashes = list(map(hash, found))
            return digest(found[hashes.index(min(hashes))])
    by_orbit.min_of = len(group)  # type: ignore[attr-defined]
    return by_orbit


def reachable_states(spec: Any) -> list[Any]:
    """Every state reachable from `spec.init()`, by a plain breadth-first search over the
    spec's actions — no symmetry, no view, no engine: the independent reference that
    `orbit_count` is compared against in tests and benchmarks."""
    from .spec import describe

    info = describe(type(spec))
    states = list(spec.init())
    seen, queue = set(states), deque(states)
    while queue:
        s = queue.popleft()
        for _, _, t in successors(info, spec, s):
            if t not in seen:
                seen.add(t)
                states.append(t)
                queue.append(t)
    return states


def orbit_count(states: Iterable[Any], spec: Any) -> int:
    """How many orbits of the spec's symmetry group `states` fall into, computed exactly (an
    orbit is the set of a state's images, no hashing): the figure a reduced search must match."""
    group = declared_group(spec) or ()
    permute = spec.permute
    return len({frozenset([s] + [permute(s, p) for p in group[1:]]) for s in states})
