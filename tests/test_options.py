"""Options: one value for what check() takes, refused once with one paragraph when wrong, and
giving exactly what the keywords give; and one verdict policy for both engines."""

from __future__ import annotations

import attrs
import pytest

from checker import Options, SpecError, check
from protocheck.cli import build_parser, search_options
from tests.specs_for_tests import Grid


@pytest.mark.parametrize("field, value, message", [
    ("max_states", 0, "max_states=0 must be a positive number, and finite (or None for no limit)."),
    ("max_depth", True, "max_depth=True must be a positive number, and finite (or None for no limit)."),
    ("time_limit", float("inf"), "time_limit=inf must be a positive number, and finite (or None for no limit)."),
    ("time_limit", "5", "time_limit='5' must be a positive number, and finite (or None for no limit)."),
    ("workers", 0, "workers=0 must be a positive integer or 'auto' (one process per core)."),
    ("workers", 1.5, "workers=1.5 must be a positive integer or 'auto' (one process per core)."),
    ("deadlock", "no", "deadlock='no' must be True or False."),
    ("stop_on_first", 0, "stop_on_first=0 must be True or False."),
    ("symmetry", None, "symmetry=None must be True or False."),
    ("progress", 3, "progress=3 must be a function taking a dict of counts (or None for no reports)."),
    ("progress_interval", -1, "progress_interval=-1 must be a number of seconds, 0 or more, and finite."),
    ("invariants", 7, "invariants=7 must be a list of invariant names (or None to check them all)."),
    ("invariants", ["ok", 2], "invariants= holds 2, which is not an invariant name: give the names as strings."),
])
def test_a_bad_option_is_refused_with_its_paragraph(field, value, message):
    with pytest.raises(SpecError) as exc:
        Options(**{field: value})
    assert str(exc.value) == message
    with pytest.raises(SpecError) as exc:  # check()'s keywords are validated by the same code
        check(Grid(), **{field: value})
    assert str(exc.value) == message


def test_options_and_keywords_are_one_or_the_other():
    with pytest.raises(SpecError) as exc:
        check(Grid(), max_states=5, deadlock=False, options=Options())
    assert str(exc.value) == ("check() was given options= and also deadlock, max_states=. Pass the options one way: as "
                              "keywords, or all in options=Options(...) (attrs.evolve(options, deadlock=...) changes one).")
    with pytest.raises(SpecError, match=r"options=\{'max_states': 5\} must be a checker.Options"):
        check(Grid(), options={"max_states": 5})


def test_one_name_is_one_invariant_and_auto_is_every_core():
    assert Options(invariants="not_far").invariants == ("not_far",)
    assert Options(invariants=iter(["a", "b"])).invariants == ("a", "b")
    assert Options(workers="auto").processes >= 1 and Options(workers="auto").workers == "auto"


def same(a, b) -> bool:
    return attrs.evolve(a, seconds=0.0) == attrs.evolve(b, seconds=0.0)


GRID = Grid(n=4, allow_corner=False)  # x_small breaks at depth 3, not_far at 4; the corner deadlocks at 7


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("keywords, expected", [
    ({}, ("violation", 4, 4, 3, [("x_small", 3)])),  # the stop's level counts, as TLC
    ({"stop_on_first": False}, ("violation", 16, 25, 7, [("x_small", 3), ("not_far", 4), ("deadlock", 7)])),
    ({"stop_on_first": False, "invariants": ["always"]}, ("deadlock", 16, 25, 7, [("deadlock", 7)])),
    ({"invariants": [], "deadlock": False, "max_states": 5}, ("incomplete", 5, 7, 2, [])),  # a limit's level does not
    ({"invariants": [], "max_depth": 2}, ("incomplete", 3, 4, 2, [])),  # (2,0) is generated, found new, and stops it
], ids=str)
def test_keywords_and_options_give_the_same_result(workers, keywords, expected):
    by_keywords = check(GRID, workers=workers, **keywords)
    by_options = check(GRID, options=Options(workers=workers, **keywords))
    assert same(by_keywords, by_options)
    r = by_options
    assert (r.status, r.distinct_states, r.generated_states, r.depth, [(v.name, len(v.trace)) for v in r.violations]) == expected
    assert r.workers == workers


def test_the_command_line_passes_one_options_value():
    args = build_parser().parse_args(["check", "grid", "--max-states", "5", "--continue", "--no-deadlock",
                                      "--invariant", "always", "--workers", "2", "--time-limit", "1.5"])
    assert search_options(args) == Options(deadlock=False, invariants=["always"], max_states=5, time_limit=1.5,
                                           stop_on_first=False, workers=2)
