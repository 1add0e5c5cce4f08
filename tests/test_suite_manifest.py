"""The manifest: what an entry must say, how outcomes are judged (a cut-short run is never
ok), `--changed-since` selection in a scratch git repository, and this repository's own
models.toml (every entry loads and names invariants its spec has)."""

from __future__ import annotations

import os
import subprocess
import textwrap

import pytest

from checker import check
from checker.errors import UsageError
from checker.spec import describe
from protocheck.changes import select_changed
from reports.manifest import Expectation, find_manifest, load_manifest, parse_entry
from protocheck.suite import build_spec, entry_options, judge, run_entry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def entry(**table):
    return parse_entry("m", {"spec": "diehard", **table})


def test_entry_defaults_and_expectations():
    e = entry()
    assert (e.expect, e.deadlock, e.invariants, e.constants) == (Expectation("ok"), True, None, {})
    assert entry(expect={"violation": "x", "max_length": 3}).expect == Expectation("violation", "x", 3)
    assert entry(expect={"deadlock": True}).expect == Expectation("deadlock")
    e = entry(properties=[], symmetry=False)
    assert (e.properties, e.symmetry, entry().properties, entry().symmetry) == ((), False, None, True)
    assert (entry_options(e).properties, entry_options(e).symmetry) == ((), False)


@pytest.mark.parametrize("table, words", [
    ({"expcet": "ok"}, "unknown key(s) expcet"),
    ({"expect": "fine"}, 'expect must be "ok"'),
    ({"expect": {"violation": "x", "max_len": 3}}, "Unknown key(s) in expect: max_len"),
    ({"expect": {"violation": "x", "max_length": 0}}, "max_length must be a positive"),
    ({"invariants": "x"}, "invariants must be a list"),
    ({"max_states": -1}, "max_states must be a positive"),
    ({"deadlock": "no"}, "deadlock must be true or false"),
    ({"properties": "p"}, "properties must be a list of liveness property names"),
    ({"symmetry": "off"}, "symmetry must be true or false"),
])
def test_mistakes_in_an_entry_are_named(table, words):
    with pytest.raises(UsageError) as err:
        entry(**table)
    assert words in str(err.value) and "[models.m]" in str(err.value)


def test_judging():
    bug = entry(expect={"violation": "big_is_not_goal", "max_length": 7})
    r = check(build_spec(bug))
    assert judge(bug, r).passed
    too_long = entry(expect={"violation": "big_is_not_goal", "max_length": 6})
    assert "more than max_length=6" in judge(too_long, r).detail
    other = entry(expect={"violation": "some_other"})
    assert not judge(other, r).passed
    assert not judge(entry(), r).passed  # expected ok, got the violation


def test_a_cut_short_run_never_counts_as_ok():
    o = run_entry(parse_entry("tp", {"spec": "two-phase", "max_states": 50}))
    assert not o.passed and o.got.startswith("incomplete") and "proves nothing" in o.detail


def test_toml_constants_take_the_declared_types():
    spec = build_spec(parse_entry("tp", {"spec": "two-phase", "constants": {"rms": "2"}}))
    assert spec.rms == 2
    with pytest.raises(Exception) as err:
        build_spec(parse_entry("tp", {"spec": "two-phase", "constants": {"rm": 2}}))
    assert "no constant 'rm'" in str(err.value)


SPEC_A = textwrap.dedent('''
    import attrs
    from checker import Spec, action, invariant
    from helpers import small

    @attrs.frozen
    class A(Spec):
        def init(self):
            yield 0
        @action
        def step(self, s):
            return s + 1 if s < 2 else None
        @invariant
        def fine(self, s):
            return small(s)
''')
SPEC_B = SPEC_A.replace("class A", "class B").replace("from helpers import small\n", "small = lambda s: True\n")


def _git(d, *args):
    subprocess.run(["git", *args], cwd=d, check=True, capture_output=True)


def test_changed_since_selects_by_module_imports_and_manifest(tmp_path):
    d = tmp_path
    (d / "a.py").write_text(SPEC_A)
    (d / "b.py").write_text(SPEC_B)
    (d / "helpers.py").write_text("def small(s):\n    return s < 5\n")
    (d / "models.toml").write_text('[models.a]\nspec = "a.py:A"\ndeadlock = false\n[models.b]\nspec = "b.py:B"\ndeadlock = false\n')
    _git(d, "init", "-q")
    _git(d, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "x", "--allow-empty")
    _git(d, "add", ".")
    _git(d, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base")
    path = str(d / "models.toml")

    def chosen():
        return [e.name for e in select_changed(load_manifest(path), path, "HEAD")[0]]

    assert chosen() == []
    (d / "helpers.py").write_text("def small(s):\n    return s < 6\n")  # an invariant module a.py imports
    assert chosen() == ["a"]
    _git(d, "checkout", "-q", "helpers.py")
    (d / "models.toml").write_text('[models.a]\nspec = "a.py:A"\ndeadlock = false\n[models.b]\nspec = "b.py:B"\n')
    assert chosen() == ["b"]  # its manifest table changed
    _git(d, "checkout", "-q", "models.toml")
    (d / "checker").mkdir()
    (d / "checker" / "search.py").write_text("# engine\n")
    _git(d, "add", "checker")
    assert chosen() == ["a", "b"]  # the engine changed: everything


def test_this_repositorys_manifest_loads():
    """Every entry of models.toml names a spec that loads, constants it has, and invariants and
    liveness properties it declares; an expected violation is of a checked invariant or property."""
    path = find_manifest(ROOT)
    assert path == os.path.join(ROOT, "models.toml")
    entries = load_manifest(path)
    assert {"diehard", "two-phase"} <= set(entries)
    for e in entries.values():
        spec = build_spec(e)
        info = describe(type(spec))
        invariants, properties = info.invariants, info.properties
        for name in (e.invariants or ()):
            assert name in invariants, f"{e.name}: no invariant {name}"
        for name in (e.properties or ()):
            assert name in properties, f"{e.name}: no property {name}"
        if e.expect.kind == "violation" and e.expect.invariant in properties:
            assert e.properties is None or e.expect.invariant in e.properties, f"{e.name}: expected property is not checked"
        elif e.expect.kind == "violation":
            assert e.expect.invariant in invariants, f"{e.name}: expects unknown invariant {e.expect.invariant}"
            assert e.invariants is None or e.expect.invariant in e.invariants, f"{e.name}: expected invariant is not checked"


def test_ci_notes_bundled_specs_and_switch_values_no_entry_exercises(tmp_path):
    from protocheck.suite import unexercised

    (tmp_path / "sw.py").write_text(textwrap.dedent('''
        from typing import Literal
        import attrs
        from checker import Spec, action

        @attrs.frozen
        class Sw(Spec):
            mode: Literal["correct", "no-fence", "stale-read"] = "correct"
            fencing: bool = True
            n: int = 2
            def init(self):
                yield 0
    '''))
    target = f"{tmp_path / 'sw.py'}:Sw"
    bundled = {"sw": target, "two-phase": "spec.two_phase:TwoPhase"}
    entries = [parse_entry("a", {"spec": "sw"}), parse_entry("b", {"spec": "sw", "constants": {"mode": "no-fence"}})]
    assert unexercised(entries, bundled) == [
        "sw: no entry sets mode='stale-read'",
        "sw: no entry sets fencing=False",
        "two-phase: no manifest entry",
    ]


def test_deadlock_expectation(tmp_path):
    (tmp_path / "stop.py").write_text(textwrap.dedent('''
        import attrs
        from checker import Spec, action

        @attrs.frozen
        class Stop(Spec):
            """x counts to 2 and then nothing is enabled."""
            def init(self):
                yield 0
            @action
            def inc(self, s):
                return s + 1 if s < 2 else None
    '''))
    spec = f"{tmp_path / 'stop.py'}:Stop"
    o = run_entry(parse_entry("s", {"spec": spec, "expect": {"deadlock": True, "max_length": 3}}))
    assert o.passed and o.got == "deadlock (3 states)"
    assert not run_entry(parse_entry("s", {"spec": spec, "expect": {"deadlock": True, "max_length": 2}})).passed
    assert run_entry(parse_entry("s", {"spec": spec, "deadlock": False})).passed
