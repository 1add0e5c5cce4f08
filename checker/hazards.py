"""The scan for states that differ only in ints Python hashes alike (-1 and -2).

Why a scan: the visited set keeps fingerprints, and CPython's hash(-1) == hash(-2), so two
such states count as one and the second is never explored. Checking every state would cost
the hot loop; the first HAZARD_SCAN successors show whether a model uses such values at all
(states.hash_hazard says where), and one warning in the result is enough to act on.
"""

from __future__ import annotations

from typing import Any

from .parallel_loop import successors
from .states import hash_hazard, hash_hazard_warning

HAZARD_SCAN = 2000  # successors scanned for ints that Python hashes like other ints


class HazardScanning:
    """Mixed into Search (uses its spec, info, fingerprint, warnings and hazard_scan)."""

    spec: Any
    info: Any
    fingerprint: Any
    warnings: list
    hazard_scan: int

    def _prescan(self, frontier: list) -> None:
        """Scan the successors of the first states for values Python hashes alike. It must
        look at successors, not new states: the state such a value hides is never new."""
        spec = self.spec
        for s in frontier:
            if self.hazard_scan <= 0:
                return
            try:
                succ = [t for _, _, t in successors(self.info, spec, s)]
            except Exception:
                return  # the search itself will meet and diagnose this
            self._scan_hazards(succ or [s])

    def scan_ahead(self, frontier: list) -> None:
        """The hazard scan the one-process search does level by level (`_prescan`), over a
        small breadth-first search of its own: for a parallel search, whose workers do not
        scan. It follows the one-process order, so it scans the same successors."""
        spec, fp, constraints = self.spec, self.fingerprint or hash, self.info.constraints
        try:
            seen = {fp(s) for s in frontier}
            while frontier and self.hazard_scan > 0:
                self._prescan(frontier)
                nxt: list = []
                for s in frontier:
                    for _, _, t in successors(self.info, spec, s):
                        if all(c(spec, t) for c in constraints):
                            h = fp(t)
                            if h not in seen:
                                seen.add(h)
                                nxt.append(t)
                    if len(nxt) >= HAZARD_SCAN:
                        break
                frontier = nxt
        except (Exception, KeyboardInterrupt):
            # The search meets and reports this where it happens (spec code may raise
            # KeyboardInterrupt itself); a real Ctrl-C in these few milliseconds is lost.
            return

    def _scan_hazards(self, states: list) -> None:
        self.hazard_scan -= len(states)
        for t in states:
            where = hash_hazard(t)
            if where:
                self.warnings.append(hash_hazard_warning(where))
                self.hazard_scan = 0
                return
