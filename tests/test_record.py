"""checker.record: the NamedTuple state record with a generated `replace`.

What a spec author relies on: the record is immutable, is a value (equal and hashing as
the tuple of its fields), `replace` changes exactly the fields named (falsy values too) and
says which names are wrong, it pickles (the parallel search ships states), and the engine
and every output show it by field name.
"""

from __future__ import annotations

import pickle
from typing import NamedTuple

import attrs
import pytest

from checker import Spec, action, check, invariant, verify_trace
from checker.record import UnknownFieldError, record
from reports.itf import trace_itf
from reports.json_report import result_dict


@record
class Counters(NamedTuple):
    """Two processes that each read a shared counter and write back read + 1 (a lost update)."""

    pc: tuple[str, ...]  # per process: read | write | done
    tmp: tuple[int, ...]  # per process: the value read
    x: int  # the shared counter


def _procs(spec, s):
    return range(spec.n)


@attrs.frozen
class LostUpdate(Spec):
    n: int = 2

    def init(self):
        yield Counters(("read",) * self.n, (0,) * self.n, 0)

    @action(i=_procs)
    def read(self, s, i):
        if s.pc[i] != "read":
            return None
        return s.replace(pc=_set(s.pc, i, "write"), tmp=_set(s.tmp, i, s.x))

    @action(i=_procs)
    def write(self, s, i):
        if s.pc[i] != "write":
            return None
        return s.replace(pc=_set(s.pc, i, "done"), x=s.tmp[i] + 1)

    @invariant
    def no_lost_update(self, s):
        return not all(p == "done" for p in s.pc) or s.x == self.n


def _set(t: tuple, i: int, v) -> tuple:
    return t[:i] + (v,) + t[i + 1:]


S0 = Counters(("read", "write"), (0, 5), 3)


def test_fields_cannot_be_assigned_or_added():
    with pytest.raises(AttributeError):
        S0.x = 4  # type: ignore[misc]
    with pytest.raises(AttributeError):
        S0.extra = 1  # type: ignore[attr-defined]
    assert not hasattr(S0, "__dict__")


def test_a_record_is_the_value_of_its_fields():
    same = Counters(*tuple(S0))
    assert same == S0 == (("read", "write"), (0, 5), 3)
    assert hash(same) == hash(S0) == hash((("read", "write"), (0, 5), 3))
    assert len({S0, same, S0.replace(x=3)}) == 1
    assert S0 != S0.replace(x=4) and hash(S0) != hash(S0.replace(x=4))


def test_replace_changes_exactly_the_named_fields():
    r = S0.replace(x=9, pc=("done", "done"))
    assert type(r) is Counters
    assert r == Counters(("done", "done"), (0, 5), 9)
    assert S0 == Counters(("read", "write"), (0, 5), 3)  # the original is untouched
    assert S0.replace() == S0


@pytest.mark.parametrize("falsy", [0, None, (), "", False])
def test_replace_sets_falsy_values(falsy):
    assert S0.replace(x=falsy).x is falsy
    assert S0.replace(tmp=falsy) == (S0.pc, falsy, S0.x)


def test_replace_and_namedtuple_replace_agree():
    assert Counters._replace is Counters.replace
    assert S0._replace(tmp=(1, 1)) == S0.replace(tmp=(1, 1)) == Counters(S0.pc, (1, 1), 3)


def test_replace_keeps_a_subclass():
    class Sub(Counters):
        __slots__ = ()

        def total(self) -> int:
            return sum(self.tmp)

    s = Sub(*S0).replace(tmp=(2, 2))
    assert type(s) is Sub and s.total() == 4


def test_unknown_field_names_the_fields_and_a_close_match():
    with pytest.raises(UnknownFieldError, match=r"Counters.replace\(\) got 'xs', which is not a field of Counters; "
                                                r"its fields are: pc, tmp, x\. Did you mean 'x'\?"):
        S0.replace(xs=1)
    # namedtuple's _replace raises ValueError, a bad keyword argument TypeError: both still catch it
    with pytest.raises(ValueError):
        S0._replace(pcs=())
    with pytest.raises(TypeError, match="'a', 'b', which are not fields"):
        S0.replace(a=1, b=2)
    with pytest.raises(TypeError):
        S0.replace(("done", "done"))  # fields are keyword-only


def test_record_refuses_what_it_cannot_decorate():
    assert record(Counters) is Counters  # twice is harmless
    with pytest.raises(TypeError, match="already defines replace"):
        @record
        class Own(NamedTuple):
            x: int

            def replace(self, **kw):
                return self

    with pytest.raises(TypeError, match="decorates a typing.NamedTuple class"):
        @record
        class Plain:
            x: int

    with pytest.raises(TypeError, match="field named 'replace'"):
        @record
        class Clash(NamedTuple):
            replace: int


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickles_to_an_equal_record(protocol):
    back = pickle.loads(pickle.dumps(S0, protocol=protocol))
    assert type(back) is Counters and back == S0 and back.replace(x=0).x == 0


def test_check_explores_records_and_traces_show_field_names():
    r = check(LostUpdate(), deadlock=False)
    assert (r.status, r.depth) == ("violation", 5)
    trace = r.violation.trace
    assert [st.action for st in trace] == ["init", "read(i=0)", "read(i=1)", "write(i=0)", "write(i=1)"]
    assert type(trace[-1].state) is Counters and trace[-1].state.x == 1
    assert verify_trace(LostUpdate(), trace) is None

    last = result_dict(r)["violation"]["trace"][-1]["state"]
    assert last == {"pc": ["done", "done"], "tmp": [0, 0], "x": 1}

    itf = trace_itf(r.violation, r)
    assert itf["vars"] == ["pc", "tmp", "x"]
    assert itf["states"][-1]["x"] == {"#bigint": "1"}
    assert itf["states"][-1]["pc"] == {"#tup": ["done", "done"]}


def test_parallel_search_ships_records_and_finds_the_same_counterexample():
    one, two = check(LostUpdate(n=3), deadlock=False), check(LostUpdate(n=3), deadlock=False, workers=2)
    assert (two.status, two.distinct_states, two.generated_states, two.depth) == (
        one.status, one.distinct_states, one.generated_states, one.depth)
    assert len(two.violation.trace) == len(one.violation.trace) and two.violation.trace[-1].state.x < 3
    assert verify_trace(LostUpdate(n=3), two.violation.trace) is None
    assert all(type(st.state) is Counters for st in two.violation.trace)


def test_every_state_representation_explores_the_same_states():
    """Tuples, NamedTuple, @record, attrs and dataclass states of one model: same search."""
    from bench.vote_exchange import VARIANTS

    got = {name: check(cls(zxids=(1, 0, 0)), max_depth=7) for name, cls in VARIANTS.items()}
    figures = {name: (r.status, r.distinct_states, r.generated_states, r.depth) for name, r in got.items()}
    assert set(figures.values()) == {figures["tuple"]} and figures["tuple"][0] == "incomplete"
    assert figures["tuple"][1] > 10_000
