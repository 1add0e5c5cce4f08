"""Partial-order reduction (check(..., reduction=True)): distinct states, transitions
(states generated), depth, CPU seconds, and states expanded reduced / fully, with and
without it; and, with --models, every models.toml entry run both ways, with the verdict,
the violated invariant and the counts compared.

    python bench/reduction.py              # the rows below (a minute)
    python bench/reduction.py --models     # also every models.toml entry, both ways (tens of minutes)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from checker import check  # noqa: E402
from spec.two_phase import TwoPhase  # noqa: E402
from tests.test_reduction import Workers  # noqa: E402

ROWS = [
    ("workers n=4 k=3 (independent counting)", Workers(n=4, k=3), dict(deadlock=False)),
    ("workers n=5 k=3", Workers(n=5, k=3), dict(deadlock=False)),
    ("workers n=6 k=4", Workers(n=6, k=4), dict(deadlock=False)),
    ("two-phase rms=5 (footprints declared)", TwoPhase(rms=5), {}),
    ("two-phase rms=6", TwoPhase(rms=6), {}),
]


def timed(spec, **kw):
    t = time.process_time()
    r = check(spec, **kw)
    return r, time.process_time() - t


def rows() -> None:
    print(f"{'row':42} {'distinct':>17} {'transitions':>19} {'depth':>7} {'CPU s':>13} {'reduced/fully':>17}")
    for label, spec, kw in ROWS:
        (a, ta), (b, tb) = timed(spec, **kw), timed(spec, reduction=True, **kw)
        same = (a.status, a.violation and a.violation.name) == (b.status, b.violation and b.violation.name)
        print(f"{label:42} {a.distinct_states:>7,} -> {b.distinct_states:>6,} {a.generated_states:>8,} -> "
              f"{b.generated_states:>7,} {a.depth:>3}/{b.depth:<3} {ta:>5.2f} -> {tb:>5.2f} "
              f"{b.expanded_reduced:>8,}/{b.expanded_fully:<8,} {'' if same else 'VERDICT DIFFERS'}", flush=True)


def models() -> None:
    from protocheck.suite import build_spec, entry_options
    from reports.manifest import find_manifest, load_manifest

    import attrs

    for name, entry in load_manifest(find_manifest(ROOT)).items():
        spec, opts = build_spec(entry), entry_options(entry)
        a = check(spec, options=opts)
        b = check(spec, options=attrs.evolve(opts, reduction=True, liveness=False))
        va, vb = a.violation and (a.violation.kind, a.violation.name), b.violation and (b.violation.kind, b.violation.name)
        print(f"{name:55} {a.status:>9} {str(va):>35} | {b.status:>9} {str(vb):>35} "
              f"{a.distinct_states:>8,} -> {b.distinct_states:>8,} {a.generated_states:>9,} -> {b.generated_states:>9,} "
              f"{'same' if (a.status, va) == (b.status, vb) else 'DIFFERS'}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", action="store_true")
    args = ap.parse_args()
    rows()
    if args.models:
        models()


if __name__ == "__main__":
    main()
