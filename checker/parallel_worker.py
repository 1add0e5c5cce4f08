"""One worker of a parallel search: it owns the fingerprints h with h % workers == its number.

Per level it expands the states it owns, in the one-process search order, keeps the new
successors it owns and sends the fingerprint, key and action of the others in batches to
their owners (each fingerprint at most once in the search: a worker meets its successors in
increasing key order, so the first one it sends is its least). When every peer has said
the level is over, it has merged what it received, keeping per fingerprint the least key
(parallel_merge.py), and fetches from its peers only the states it lacks (pickling states was
most of the exchange, and most candidates are states the owner holds), checks the
invariants on its new states, and reports to the coordinator. The next level's order is
the merged order of all workers' keys, computed from the sorted keys each worker sends its
peers. Parent pointers are the keys themselves: a state's key names its parent by level
and rank, so a trace is rebuilt by asking who holds each rank.
"""

from __future__ import annotations

import itertools
import time
from bisect import bisect_left
from typing import Any, Iterable

import numpy as np

from .diagnose import diagnose, run_invariants
from .errors import SpecError
from .deadline import Deadline, TimeLimitReached, timer_held
from .parallel_loop import (ACTION, LOW, SHIFT, Abort, Full, Halt, build_expand, build_remake, candidate_width,
                            count_fired, regenerate)
from .parallel_merge import LevelMerge
from .parallel_messages import (AskKeys, Candidates, Cut, CutCounts, Event, Expanding, Generated, KeyOf, Level, LevelDone,
                                LevelEnd, ParentKey, Phase, Position, Progress, Quit, SortedKeys, States, Want)
from .parallel_transport import COORDINATOR, Mesh, loads
from .states import admit_state_type
from .store import FingerprintStore

BATCH = 4096  # candidates per message
# A worker's visited set (the fingerprints it owns or has sent) moves to the compact store's
# runs once it holds this many in its Python set: at two-phase 8 RMs (1.71 M per worker) it
# never does, so the hot loop is as before; at 9 RMs (10.3 M states) it keeps a worker at
# a fraction of the memory a plain set needs (~70 bytes per fingerprint).
WORKER_MIN_MERGE = 1 << 21


def _tuple_rebuildable(cls: type) -> bool:
    """A NamedTuple type whose instances are exactly `tuple.__new__(cls, fields)`: sent as plain tuples,
    which pickle several times faster than the records themselves."""
    if not (issubclass(cls, tuple) and hasattr(cls, "_fields") and getattr(cls, "__dictoffset__", 0) == 0):
        return False
    if cls.__reduce_ex__ is not tuple.__reduce_ex__ or cls.__reduce__ is not tuple.__reduce__:
        return False
    for klass in cls.__mro__:  # the class that defines __new__ must be the namedtuple itself
        if "__new__" in vars(klass):
            return "_fields" in vars(klass) and "_make" in vars(klass)
    return False


class Worker:
    def __init__(self, me: int, nworkers: int, search: Any, frontier: list, ranks: list[int], keys: list[int],
                 owned: Iterable[int], mesh: Mesh):
        self.me, self.nworkers, self.mesh = me, nworkers, mesh
        self.search = search
        self.spec, self.info = search.spec, search.info
        self.invariants = search.invariants
        self.fingerprint = search.fingerprint
        # The parts of every key this worker fingerprints (fingerprint.py); those new in a
        # level go to the coordinator with the level's report, which looks for clashes
        # between workers as each worker does within itself.
        self.registry = search.registry
        self.registry.collect = True
        self.exercise = search.exercise  # premises seen to hold go to the coordinator per level
        self.exercised: list[str] = []
        self.deadlock, self.stop_on_first = search.deadlock, search.stop_on_first
        self.state_types = set(search.state_types)
        self.store = FingerprintStore(WORKER_MIN_MERGE)
        self.store.recent.update(owned)
        self.seen = self.store.recent  # what the hot loop tests; the runs are checked in bulk (`recount`, `flush`)
        self.frontier, self.ranks = frontier, ranks
        self.level_ranks = [np.array(ranks, dtype=np.int64)]  # per level: ranks of the states held, ascending
        self.level_keys = [np.array(keys, dtype=np.int64)]  # and their keys (parent rank << SHIFT | ordinal)
        self.width = candidate_width(self.fingerprint)
        self.batch = BATCH * self.width  # list slots per message
        self.expand = build_expand(self.info, self.fingerprint)
        self.remake: Any = None  # compiled when a peer first asks for states
        self.peers = [w for w in range(nworkers) if w != me]
        self.stash: list[tuple[int, tuple]] = []
        self.peer_keys: dict[int, np.ndarray] = {}
        self.fast_types: dict[type, bool] = {}
        self.advance_pending = False
        self.commands = {Level: self.cmd_level, AskKeys: self.cmd_keys, Cut: self.cmd_cut, KeyOf: self.cmd_key_of}
        self._new_level()
        self.holds = search._holds  # every invariant is True: the one-process fast path

    def _new_level(self) -> None:
        # The expansion appends the level's new states it owns (state, fingerprint, key, action);
        # merging the peers' candidates then turns keys and actions into arrays (`keys`, `acts`).
        self.nhs: list[int] = []
        self.nkeys: list[int] = []
        self.nstates: list[Any] = []
        self.nacts: list[int] = []
        self.keys = self.acts = np.zeros(0, dtype=np.int64)
        self.merging: LevelMerge | None = None
        self.out: list[list] = [[] for _ in range(self.nworkers)]
        self.fired = [0] * len(self.info.actions)
        self.events: list[Event] = []
        self.sorted_keys = np.zeros(0, dtype=np.int64)
        self.order: list[int] = []

    # -- the command loop ----------------------------------------------------------------------

    def serve(self) -> None:
        mesh = self.mesh
        while True:
            src, raw = mesh.get()
            if raw is None:
                return
            msg = loads(raw)
            if src != COORDINATOR:
                self._peer(src, msg)
                continue
            if type(msg) is Quit:
                return
            mesh.send(COORDINATOR, self.commands[type(msg)](msg))

    def _peer(self, src: int, msg: Any) -> None:
        if type(msg) is SortedKeys:
            self.peer_keys[src] = np.frombuffer(msg.data, dtype=np.int64)
        else:
            self.stash.append((src, msg))

    def cmd_level(self, level: Level) -> LevelDone:
        if self.advance_pending:
            self._advance()
        budget, violated = level.budget, level.violated
        self.t0, self.time_limit = level.t0, level.time_limit
        self.progress_interval = progress_interval = level.progress_interval
        self.next_report = time.monotonic() + progress_interval
        aborted = ""
        # The clock is read every TICK expansions; a timer (deadline.py) also ends the level
        # inside a slow action at the limit, so no further action starts, as in one process.
        left = None if self.time_limit is None else max(self.time_limit - (time.monotonic() - self.t0), 1e-3)
        try:
            with Deadline(left):
                self.expand(self, self.frontier, self.ranks, budget)
        except (Full, Halt):
            pass
        except TimeLimitReached:
            aborted = "stopped"
            self._even_up()
        except Abort:
            aborted = "stopped"
        except KeyboardInterrupt:  # raised by the spec's code, as Ctrl-C would be in one process
            aborted = "interrupted"
        for o in self.peers:
            if self.out[o]:
                self.flush(o)
            self.mesh.send(o, LevelEnd())
        self._collect()
        self._check_new(violated)
        order = np.argsort(self.keys, kind="stable")
        self.order = order.tolist()
        self.sorted_keys = self.keys[order]
        keys = SortedKeys(self.sorted_keys.tobytes())
        for o in self.peers:
            self.mesh.send(o, keys)
        self.advance_pending = True
        counts = np.bincount(self.acts & ACTION, minlength=len(self.info.actions)).tolist()
        return LevelDone(int(self.keys.size), self.fired, counts, self.events, aborted,
                         self.registry.take_fresh(), self.registry.clash, self.exercised, self._sample_symmetry())

    def _sample_symmetry(self) -> str:
        """Check a declared symmetry on this worker's new states as one process does on its
        own (the first of the level, one in SAMPLE_EVERY): a declaration that breaks only
        deep in the search must stop it here too. The paragraph, or ''."""
        check = getattr(self.fingerprint, "symmetry_check", None)
        if check is None or not self.nstates:
            return ""
        try:
            check.sample(self.nstates, True)
        except SpecError as exc:
            return str(exc)
        return ""

    def cmd_keys(self, ask: AskKeys) -> SortedKeys:
        return SortedKeys(self.sorted_keys.tobytes())

    def cmd_key_of(self, ask: KeyOf) -> ParentKey:
        """The key (parent pointer) of the state of rank `rank` in `level` (1-based), if this worker holds it."""
        ranks = self.level_ranks[ask.level - 1]
        i = int(np.searchsorted(ranks, ask.rank))
        if i < ranks.size and int(ranks[i]) == ask.rank:
            return ParentKey(int(self.level_keys[ask.level - 1][i]))
        return ParentKey(None)

    def cmd_cut(self, cut: Cut) -> CutCounts:
        """Counts up to a stop at successor g of the state of rank `rank` (see parallel.py)."""
        rank, g = cut.rank, cut.successor
        limit = (rank << SHIFT) | g
        mask = (self.keys <= limit) if cut.include else (self.keys < limit)
        acts = self.acts[mask] & ACTION
        n_actions = len(self.info.actions)
        new = np.bincount(acts, minlength=n_actions).tolist() if acts.size else [0] * n_actions
        fired = [0] * n_actions
        upto = bisect_left(self.ranks, rank)
        last = g if upto < len(self.ranks) and self.ranks[upto] == rank else None
        count_fired(self.info, self.spec, self.frontier, upto, last, fired)
        return CutCounts(int(mask.sum()), new, fired, upto)

    # -- one level -----------------------------------------------------------------------------

    def flush(self, o: int) -> None:
        """Send fingerprints, keys and actions only: the owner asks for the states it lacks."""
        with timer_held():  # a batch is sent whole or kept whole, whenever the time limit falls
            lst = self.out[o]
            cand = np.array(lst, dtype=np.int64)
            if self.store.runs:  # a fingerprint sent before the set moved to the runs is not sent again
                cand = cand.reshape(-1, self.width)
                cand = cand[~self.store.known_in_bulk(cand[:, 0])]
            self.mesh.send(o, Candidates(cand.tobytes()))
            self.out[o] = []

    def _even_up(self) -> None:
        """The timer can fire between the appends that keep one new state (fingerprint, key,
        state, action, in that order): drop the half-kept one, so the lists stay parallel."""
        n = min(map(len, (self.nhs, self.nkeys, self.nstates, self.nacts)))
        for lst in (self.nhs, self.nkeys, self.nstates, self.nacts):
            del lst[n:]

    def recount(self) -> int:
        """The new states this worker owns in this level, once those the runs already hold are
        dropped (the hot loop tests only the Python set); called before declaring the budget full."""
        with timer_held():  # the four lists are filtered alike or not at all
            known = self.store.known_in_bulk(np.array(self.nhs, dtype=np.int64)) if self.store.runs else None
            if known is not None and known.any():
                keep = (~known).tolist()
                for lst in (self.nhs, self.nkeys, self.nstates, self.nacts):
                    lst[:] = [x for x, k in zip(lst, keep) if k]  # in place: the hot loop holds their appends
            return len(self.nkeys)

    def _states(self, wants: bytes) -> States:
        """The states this worker sent as these (key, action, fingerprint), in that order, as a reply to a "want"."""
        if self.remake is None:
            self.remake = build_remake(self.info, self.fingerprint)
        states = regenerate(self.remake, self.spec, self.frontier, self.ranks, np.frombuffer(wants, dtype=np.int64).tolist())
        if not states:
            return States(None, states)
        cls = type(states[0])
        fast = self.fast_types.get(cls)
        if fast is None:
            fast = self.fast_types[cls] = _tuple_rebuildable(cls)
        if fast and len(set(map(type, states))) == 1:
            states = list(map(tuple, states))
        else:
            cls = None
        return States(cls, states)

    def _collect(self) -> None:
        """Merge every candidate sent to this worker in this level, keeping the least key per
        fingerprint, then fetch the states it lacks from the peers that found them.

        Every worker sends each peer one "want" after the peer's "end" (possibly empty) and
        answers the peers' wants here, so no worker leaves this level owing states."""
        npeers = len(self.peers)
        ends = answered = replies = 0
        asked: dict[int, list[int]] | None = None
        pending, self.stash = self.stash, []
        self.recount()
        self.merging = LevelMerge(self.nhs, self.nkeys, self.nacts, self.nstates, self.store, self.width)
        while True:
            for src, msg in pending:
                kind = type(msg)
                if kind is Candidates:
                    self.merging.add(src, msg.data)
                elif kind is LevelEnd:
                    ends += 1
                elif kind is Want:
                    self.mesh.send(src, self._states(msg.data))
                    answered += 1
                elif kind is States:
                    self._install(asked[src], msg.cls, msg.states)
                    replies += 1
                else:
                    self._peer(src, msg)
            if asked is None and ends == npeers:
                self.keys, self.acts = self.merging.finish()
                asked = self._ask_states()
            if asked is not None and answered == npeers and replies == npeers:
                return
            src, raw = self.mesh.get()
            if raw is None:
                raise SystemExit(0)
            pending = [(src, loads(raw))]

    def _ask_states(self) -> dict[int, list[int]]:
        """Ask each peer for the states this worker keeps its candidates for, by key, action and
        fingerprint (the sender re-makes each from its parent: parallel_loop.regenerate);
        return the indices asked, per peer."""
        asked: dict[int, list[int]] = {o: [] for o in self.peers}
        for j, src in self.merging.need.items():
            asked[src].append(j)
        for o in self.peers:
            js = np.array(asked[o], dtype=np.int64)
            hs = np.array([self.nhs[j] for j in asked[o]], dtype=np.int64)
            wants = np.stack((self.keys[js], self.acts[js], hs), axis=1)
            self.mesh.send(o, Want(wants.tobytes()))
        return asked

    def _install(self, js: list[int], cls: type | None, states: list) -> None:
        nstates, new = self.nstates, tuple.__new__
        if cls is not None:
            for j, t in zip(js, states):
                nstates[j] = new(cls, t)
        else:
            for j, t in zip(js, states):
                nstates[j] = t

    def _check_new(self, violated: set[str]) -> None:
        """Invariants on the level's new states (the least-key state of each fingerprint, as one process keeps)."""
        self.exercised = self.exercise.see(self.nstates) if self.exercise.pending else []
        if not self.invariants:
            return
        spec, holds, failing = self.spec, self.holds, []
        try:  # the fast path: all hold (one pass in C); else find the failing ones one by one
            if all(map(holds, itertools.repeat(spec), self.nstates)):
                return
        except Exception:
            pass
        for j, t in enumerate(self.nstates):
            try:
                if holds(spec, t):
                    continue
            except Exception:  # InvariantFailed or an error: sorted out below
                pass
            failing.append(j)
        reported: set[str] = set(violated)
        for j in sorted(failing, key=self.keys.__getitem__):
            t, key = self.nstates[j], int(self.keys[j])
            pos = Position(key >> SHIFT, key & LOW, Phase.GENERATED)
            try:
                found = run_invariants(spec, self.invariants, t)
            except Exception:
                d = diagnose(spec, self.info, self.invariants, t, self.fingerprint, set(self.state_types), False)
                self.events.append(Event(pos, "error", d, Generated(key)))
                return
            fresh = [(n, m) for n, m in found if n not in reported]
            if fresh:
                self.events.append(Event(pos, "invariant", fresh, Generated(key)))
                reported.update(n for n, _ in fresh)
                if self.stop_on_first:
                    return

    def _advance(self) -> None:
        """Make the merged level the frontier: ranks are positions in the merge of all workers' keys."""
        self.store.maybe_merge()
        while len(self.peer_keys) < len(self.peers):
            src, raw = self.mesh.get()
            if raw is None:
                raise SystemExit(0)
            self._peer(src, loads(raw))
        own = self.sorted_keys
        ranks = np.arange(own.size, dtype=np.int64)
        for keys in self.peer_keys.values():
            ranks += np.searchsorted(keys, own)
        self.frontier = list(map(self.nstates.__getitem__, self.order))
        self.ranks = ranks.tolist()
        self.level_ranks.append(ranks)
        self.level_keys.append(own)
        self.peer_keys = {}
        self.advance_pending = False
        self._new_level()

    # -- called from the generated loop --------------------------------------------------------

    def tick(self, i: int) -> None:
        if self.mesh.abort.is_set():
            raise Abort
        now = time.monotonic()
        if self.time_limit is not None and now - self.t0 >= self.time_limit:
            raise Abort
        if now >= self.next_report:
            self.next_report = now + self.progress_interval
            self.mesh.send(COORDINATOR, Progress(self.me, sum(self.fired), len(self.nkeys), i))

    def admit_type(self, t: Any) -> bool:
        """Accept a new state type once, as the one-process search does (states.py)."""
        return admit_state_type(self.state_types, t)

    def terminal(self, i: int) -> bool:
        s = self.frontier[i]
        try:
            return any(term(self.spec, s) for term in self.info.terminals)
        except Exception:
            d = diagnose(self.spec, self.info, {}, s, self.fingerprint, set(self.state_types), True)
            self._halt(Position(self.ranks[i], 0, Phase.EXPANDED), d)
        return False

    def dead(self, i: int) -> None:
        r = self.ranks[i]
        self.events.append(Event(Position(r, 0, Phase.EXPANDED), "deadlock", None, Expanding(r)))
        if self.stop_on_first:
            raise Halt

    def error(self, i: int, g: int) -> None:
        """The spec's code raised (or returned a non-state) after g successors of frontier[i]."""
        d = diagnose(self.spec, self.info, {}, self.frontier[i], self.fingerprint, set(self.state_types), True)
        self._halt(Position(self.ranks[i], g, Phase.RAISED), d)

    def _halt(self, pos: Position, d: Any) -> None:
        self.events.append(Event(pos, "error", d, Expanding(pos.rank)))
        raise Halt
