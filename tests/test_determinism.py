"""The same spec gives the same counts and the same first counterexample under every
PYTHONHASHSEED, however its parameter domains are built (a list made from a set of strings
iterates in a per-seed order): domains other than ranges are tried in sorted order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import attrs

from checker import Spec, action, fail, invariant
from checker.spec import order_key, sorted_domain

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@attrs.frozen
class Mailbox(Spec):
    """Messages named by strings are delivered in any order; the invariant fails once two are
    delivered, and which two the first counterexample shows depends on the domain's order."""

    def init(self):
        yield (frozenset({"alpha", "bravo", "charlie", "delta", "echo"}), ())

    @action(m=lambda spec, s: [m for m in s[0]])  # a list built from a set
    def deliver(self, s, m):
        return (s[0] - {m}, s[1] + (m,))

    @invariant
    def at_most_one(self, s):
        return len(s[1]) < 2 or fail(f"delivered {s[1]}")


def _trace_under(seed: int) -> list[str]:
    code = ("import json; from checker import check; from tests.test_determinism import Mailbox; "
            "r = check(Mailbox(), deadlock=False); "
            "print(json.dumps([r.distinct_states, r.generated_states] + [s.action for s in r.violation.trace]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONHASHSEED=str(seed)), check=True)
    return json.loads(out.stdout)


def test_first_counterexample_is_the_same_under_every_hash_seed():
    runs = {tuple(_trace_under(seed)) for seed in (1, 2, 3, 4)}
    assert runs == {(7, 7, "init", "deliver(m='alpha')", "deliver(m='bravo')")}


def test_unorderable_domains_are_sorted_by_a_seed_independent_key():
    values = [frozenset({"b", "a"}), "x", 2, None, (1, "y"), frozenset({"a"})]
    assert sorted_domain(values) == [None, 2, "x", (1, "y"), frozenset({"a"}), frozenset({"a", "b"})]
    assert order_key(frozenset({"b", "a"})) == order_key(frozenset({"a", "b"}))
