"""An invariant declared with exercised= that holds only because its premise never does is
reported as vacuous, and a model-suite entry expected ok fails on it unless it says so."""

from __future__ import annotations

import attrs
import pytest

from checker import Spec, action, check, invariant
from reports.manifest import parse_entry
from protocheck.suite import judge


@attrs.frozen
class Writes(Spec):
    """A counter of committed writes; `writes` bounds it (0: nothing is ever committed)."""

    writes: int = 1

    def init(self):
        yield (0, 0)  # (committed, durable)

    @action
    def commit(self, s):
        return (s[0] + 1, s[0] + 1) if s[0] < self.writes else None

    @invariant(exercised=lambda spec, s: s[0] > 0)
    def committed_is_durable(self, s):
        return s[1] >= s[0]

    @invariant
    def plain(self, s):
        return True


@pytest.mark.parametrize("workers", [1, 2])
def test_an_invariant_whose_premise_never_holds_is_vacuous(workers):
    r = check(Writes(writes=0), deadlock=False, workers=workers)
    assert r.ok and r.vacuous == ["committed_is_durable"]
    r = check(Writes(writes=3), deadlock=False, workers=workers)
    assert r.ok and r.vacuous == []


def test_an_ok_entry_with_a_vacuous_invariant_fails_ci_unless_listed():
    r = check(Writes(writes=0), deadlock=False)
    entry = parse_entry("w", {"spec": "tests.test_vacuity:Writes", "constants": {"writes": 0}})
    outcome = judge(entry, r)
    assert not outcome.passed
    assert "committed_is_durable held only because its premise (exercised=) never held" in outcome.detail
    listed = parse_entry("w", {"spec": "tests.test_vacuity:Writes", "vacuous_ok": ["committed_is_durable"]})
    assert judge(listed, r).passed


def test_a_premise_that_raises_is_explained():
    @attrs.frozen
    class Bad(Writes):
        @invariant(exercised=lambda spec, s: s.missing)
        def committed_is_durable(self, s):
            return True

    from checker import SpecError

    with pytest.raises(SpecError, match="exercised= premise of invariant committed_is_durable raised AttributeError"):
        check(Bad(), deadlock=False)
