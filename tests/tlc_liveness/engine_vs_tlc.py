"""The engine against TLC on random medium specs (10 to 40 states: beyond the brute-force
oracle's reach, where SCCs are large and fairness splits them in several rounds).

    TLA2TOOLS=/path/to/tla2tools.jar python tests/tlc_liveness/engine_vs_tlc.py [COUNT] [SEED]

Same spec classes as tests/test_liveness_random.py (a(k) with random fairness, b, an unfair
c(j)), more states and instances. Prints each disagreement in verdict and each engine
counterexample that lasso_problem rejects, then a tally. Not a test (TLC is Java).
"""

from __future__ import annotations

import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), os.path.dirname(os.path.abspath(__file__))]

from checker import check  # noqa: E402
from liveness_oracle import lasso_problem  # noqa: E402
from random_vs_tlc import tla_module, tlc_holds  # noqa: E402
from test_liveness_random import CLASSES, FAIRNESS_A, FORMS  # noqa: E402


def medium_case(rng: random.Random):
    """Fair actions enabled almost everywhere (so that stuttering rarely decides), an unfair
    environment that adds cycles, P and T over a fraction of the states."""
    n = rng.randint(10, 40)

    def table(density: float) -> tuple:
        return tuple(rng.randrange(n) if rng.random() < density else -1 for _ in range(n))

    fa, ea = rng.choice(FAIRNESS_A[1:])
    cls = CLASSES[(fa, ea, rng.choice(("weak", "strong")))]
    spec = cls(
        inits=tuple(sorted(rng.sample(range(n), rng.randint(1, 3)))),
        a_moves=tuple(table(rng.choice((0.3, 0.6))) for _ in range(rng.randint(1, 3))),
        b_moves=table(rng.choice((0.7, 0.9))),
        c_moves=tuple(table(rng.choice((0.1, 0.3))) for _ in range(rng.randint(0, 2))),
        p_set=frozenset(x for x in range(n) if rng.random() < rng.choice((0.2, 0.4))),
        t_set=frozenset(x for x in range(n) if rng.random() < 0.3),
    )
    return spec, rng.choice(list(FORMS))


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 11)
    jar = os.environ.get("TLA2TOOLS", "tla2tools.jar")
    tally = {"agree": 0, "holds": 0, "violated": 0, "bad": 0}
    kept = {True: 0, False: 0}
    for i in range(count):
        while True:  # half the cases where ours holds (rare among random medium specs), half not
            spec, prop = medium_case(rng)
            try:
                r = check(spec, properties=[prop], deadlock=False)
            except Exception as exc:
                tally["bad"] += 1
                print(f"check() raised {type(exc).__name__}: {exc}\n{tla_module(spec, prop)}", flush=True)
                continue
            ours = r.status == "ok"
            if r.distinct_states >= 8 and kept[ours] < (count + 1) // 2:
                kept[ours] += 1
                break
        tlc = tlc_holds(spec, prop, jar)
        tally["holds" if tlc else "violated"] += 1
        why = None if ours else lasso_problem(spec, r.violation)
        if ours == tlc and not why:
            tally["agree"] += 1
        else:
            tally["bad"] += 1
            print(f"case {i}: {r.distinct_states} states, ours {r.status}, TLC {'ok' if tlc else 'violated'}"
                  f"{', lasso: ' + why if why else ''}\n{tla_module(spec, prop)}", flush=True)
    print(tally, flush=True)
