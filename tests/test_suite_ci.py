"""`protocheck ci`, `check NAME` and `graph` end to end, on a small manifest with a passing
entry, a known bug found as expected, a failing entry (a change broke an invariant) and a
wrongly-expected one (the known bug disappeared): exit code, JUnit XML (junitparser),
suite JSON, Markdown, ITF (itf-py and ADR-015's rules) and DOT (networkx)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import networkx as nx
import pytest
from junitparser import Failure, JUnitXml

from protocheck.cli import main

TOY = textwrap.dedent('''
    """Ping: two processes send numbered pings over a network bag. Bug switch `duplicate`:
    delivery leaves the message in the bag, as a duplicating network would."""
    from typing import NamedTuple

    import attrs

    from checker import Spec, action, fail, invariant, terminal
    from spec.mechanics import bag_add, bag_distinct, bag_remove, set_at


    class Msg(NamedTuple):
        src: int
        dst: int
        n: int


    class S(NamedTuple):
        sent: tuple
        got: tuple
        net: tuple
        seen: frozenset


    @attrs.frozen
    class Ping(Spec):
        rounds: int = 1
        duplicate: bool = False

        def init(self):
            yield S((0, 0), (0, 0), (), frozenset())

        @action(src=lambda spec, s: range(2), dst=lambda spec, s: range(2))
        def send(self, s, src, dst):
            if src == dst or s.sent[src] >= self.rounds:
                return None
            m = Msg(src, dst, s.sent[src] + 1)
            return s._replace(sent=set_at(s.sent, src, m.n), net=bag_add(s.net, m))

        @action(m=lambda spec, s: bag_distinct(s.net))
        def deliver(self, s, m):
            net = s.net if self.duplicate else bag_remove(s.net, m)
            return s._replace(got=set_at(s.got, m.dst, s.got[m.dst] + 1), net=net, seen=s.seen | {(m.src, m.n)})

        @invariant
        def got_le_sent(self, s):
            return sum(s.got) <= sum(s.sent) or fail(f"received {sum(s.got)} messages but only {sum(s.sent)} were sent")

        @terminal
        def done(self, s):
            return not s.net
''')

MANIFEST = textwrap.dedent('''
    [models.ping-ok]
    spec = "toy.py:Ping"
    description = "the correct protocol holds"
    expect = "ok"

    [models.ping-dup]
    spec = "toy.py:Ping"
    constants = { duplicate = true }
    deadlock = false
    description = "the known duplication bug is found"
    expect = { violation = "got_le_sent", max_length = 4 }

    [models.ping-broken]
    spec = "toy.py:Ping"
    constants = { duplicate = true }
    deadlock = false
    description = "a change broke the invariant: must fail with the trace"
    expect = "ok"

    [models.ping-bug-gone]
    spec = "toy.py:Ping"
    description = "the bug no longer shows: must fail until the manifest is updated"
    expect = { violation = "got_le_sent" }
''')


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("suite")
    (d / "toy.py").write_text(TOY)
    (d / "models.toml").write_text(MANIFEST)
    return d


@pytest.fixture(scope="module")
def ci_run(project):
    """One `protocheck ci` run with every output, shared by the tests that read them."""
    cwd = os.getcwd()
    os.chdir(project)
    try:
        code = main(["ci", "--junit", "out.xml", "--json", "out.json", "--markdown", "out.md", "--quiet"])
    finally:
        os.chdir(cwd)
    return code, project


def test_ci_exits_nonzero_when_an_outcome_differs(ci_run):
    code, _ = ci_run
    assert code == 1


def test_ci_exits_zero_when_every_outcome_is_expected(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    assert main(["ci", "--only", "ping-ok", "--only", "ping-dup"]) == 0
    out = capsys.readouterr().out
    assert "ping-ok" in out and "ping-dup" in out and "ping-broken" not in out
    assert "all 2 models as expected" in out


def test_junit_has_one_case_per_model_and_the_trace_in_failures(ci_run):
    _, d = ci_run
    xml = JUnitXml.fromfile(str(d / "out.xml"))
    cases = {c.name: c for suite in xml for c in suite}
    assert set(cases) == {"ping-ok", "ping-dup", "ping-broken", "ping-bug-gone"}
    assert cases["ping-ok"].is_passed and cases["ping-dup"].is_passed
    broken = [r for r in cases["ping-broken"].result if isinstance(r, Failure)]
    assert len(broken) == 1
    assert "expected ok, got violation got_le_sent (4 states)" in broken[0].message
    assert "received 2 messages but only 1 were sent" in broken[0].text
    assert "deliver(m=Msg(src=0, dst=1, n=1))" in broken[0].text
    gone = [r for r in cases["ping-bug-gone"].result if isinstance(r, Failure)]
    assert len(gone) == 1 and "no longer finds it" in gone[0].message
    suite = next(iter(xml))
    assert (suite.tests, suite.failures, suite.errors) == (4, 2, 0)


def test_suite_json(ci_run):
    _, d = ci_run
    doc = json.loads((d / "out.json").read_text())
    assert doc["schema"] == "protocheck.suite/1" and doc["ok"] is False
    assert (doc["passed"], doc["failed"]) == (2, 2)
    rows = {e["name"]: e for e in doc["entries"]}
    assert rows["ping-ok"]["got"] == "ok" and rows["ping-ok"]["passed"]
    assert rows["ping-ok"]["distinct_states"] == 9 and rows["ping-ok"]["depth"] == 5
    assert rows["ping-dup"]["expected"] == {"violation": "got_le_sent", "max_length": 4}
    trace = rows["ping-broken"]["result"]["violation"]["trace"]
    assert [s["action"] for s in trace] == ["init", "send(src=0, dst=1)", "deliver(m=Msg(src=0, dst=1, n=1))",
                                            "deliver(m=Msg(src=0, dst=1, n=1))"]
    assert rows["ping-broken"]["result"]["violation"]["message"] == "received 2 messages but only 1 were sent"


def test_suite_markdown(ci_run):
    _, d = ci_run
    md = (d / "out.md").read_text()
    assert md.startswith("## protocheck model suite: ❌ 2 of 4 differ from the manifest")
    # depth at a violation is the engine's convention (TLC's): pinned by the engine tests, not here
    assert re.search(r"\| `ping-dup` \| violation got_le_sent \(≤4 states\) \| violation got_le_sent \(4 states\) \| 9 \| \d+ \|", md)
    assert "### ❌ `ping-broken`" in md and "> received 2 messages but only 1 were sent" in md
    assert "| 3 | `deliver(m=Msg(src=0, dst=1, n=1))` | `got[1]`: `1 → 2` |" in md


def test_table_is_reproducible(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    runs = []
    for _ in range(2):
        main(["ci", "--no-times", "--quiet", "--markdown", "again.md"])
        runs.append((capsys.readouterr().out, (project / "again.md").read_text()))
    assert runs[0] == runs[1]


def _validate_itf(doc: dict) -> None:
    """ADR-015's rules (as revised 2023-09-14): every integer is {"#bigint": "<digits>"}, no
    JSON numbers or nulls in values; every state has #meta and every var; encodings well formed."""
    assert isinstance(doc["vars"], list) and all(isinstance(v, str) for v in doc["vars"])

    def value(v, where):
        assert not isinstance(v, (float, type(None))) and (not isinstance(v, int) or isinstance(v, bool)), f"raw number/null at {where}"
        if isinstance(v, list):
            for i, x in enumerate(v):
                value(x, f"{where}[{i}]")
        elif isinstance(v, dict):
            if "#bigint" in v:
                assert list(v) == ["#bigint"] and isinstance(v["#bigint"], str)
                int(v["#bigint"])
            elif "#tup" in v or "#set" in v:
                (key,) = v
                assert isinstance(v[key], list)
                for i, x in enumerate(v[key]):
                    value(x, f"{where}.{key}[{i}]")
            elif "#map" in v:
                assert list(v) == ["#map"] and all(isinstance(p, list) and len(p) == 2 for p in v["#map"])
                for k, x in v["#map"]:
                    value(k, where)
                    value(x, where)
            else:
                assert not any(k.startswith("#") for k in v), f"unknown encoding at {where}: {list(v)}"
                for k, x in v.items():
                    value(x, f"{where}.{k}")

    for i, st in enumerate(doc["states"]):
        assert isinstance(st["#meta"], dict)
        assert set(doc["vars"]) <= set(st), f"state {i} lacks a variable"
        for k, v in st.items():
            if k != "#meta":
                value(v, f"states[{i}].{k}")


def test_check_by_manifest_name_writes_valid_itf(project, monkeypatch):
    itf_py = pytest.importorskip("itf_py")
    monkeypatch.chdir(project)
    assert main(["check", "ping-dup", "--quiet", "--itf", "t.itf.json", "--json", "t.json"]) == 1
    doc = json.loads((project / "t.itf.json").read_text())
    _validate_itf(doc)
    trace = itf_py.trace_from_json(doc)
    assert trace.vars == ["sent", "got", "net", "seen"] and trace.params == ["rounds", "duplicate"]
    assert len(trace.states) == 4
    last = trace.states[-1].values
    assert last["got"] == (0, 2) and last["sent"] == (1, 0)  # #tup of #bigint read back as a tuple of ints
    assert last["seen"] == frozenset({(0, 1)})  # #set of #tup
    assert [tuple(m) for m in last["net"]] == [(0, 1, 1)]  # records (the message) read back by field
    assert trace.states[0].values["duplicate"] is True and trace.states[0].values["rounds"] == 1
    assert trace.states[3].meta["action"] == "deliver(m=Msg(src=0, dst=1, n=1))"
    assert doc["#meta"]["violation"]["message"] == "received 2 messages but only 1 were sent"
    # the same states as the JSON report, value for value
    states = json.loads((project / "t.json").read_text())["violation"]["trace"]
    assert [s["state"]["got"] for s in states] == [list(s.values["got"]) for s in trace.states]


def test_graph_dot_parses_and_highlights_the_counterexample(project, monkeypatch):
    pytest.importorskip("pydot")
    monkeypatch.chdir(project)
    assert main(["graph", "ping-dup", "--dot", "bug.dot"]) == 0
    g = nx.nx_pydot.read_dot(str(project / "bug.dot"))
    red = [(a, b) for a, b, d in g.edges(data=True) if d.get("color", "").strip('"') == "red"]
    assert len(red) == 3  # the 4-state counterexample
    path = nx.DiGraph(red)
    assert nx.is_directed_acyclic_graph(path) and nx.dag_longest_path_length(path) == 3
    assert main(["graph", "ping-ok", "--dot", "ok.dot"]) == 0
    ok = nx.nx_pydot.read_dot(str(project / "ok.dot"))
    assert ok.number_of_nodes() == 9  # = the checker's distinct states for ping-ok
    assert not [e for e in ok.edges(data=True) if e[2].get("color")]


def test_graph_refuses_politely_above_the_limit(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    assert main(["graph", "ping-ok", "-c", "rounds=3", "--max-nodes", "20", "--dot", "big.dot"]) == 2
    assert "more than 20 reachable states" in capsys.readouterr().err
    assert not (project / "big.dot").exists()


def test_console_script_exit_codes(project):
    """The `protocheck` program, as CI calls it (PYTHONPATH: also when it is not installed)."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run = [sys.executable, "-m", "protocheck", "ci", "--quiet", "--no-times"]
    bad = subprocess.run(run, cwd=project, env=env, capture_output=True, text=True)
    assert bad.returncode == 1, bad.stderr
    good = subprocess.run(run + ["--only", "ping-ok"], cwd=project, env=env, capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    typo = subprocess.run(run + ["--only", "nope"], cwd=project, env=env, capture_output=True, text=True)
    assert typo.returncode == 2 and "no such entry" in typo.stderr


def test_check_entry_with_overrides_says_whether_it_matches(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    assert main(["check", "ping-ok", "-c", "duplicate=true", "--no-deadlock", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "✗ Invariant got_le_sent is violated: received 2 messages but only 1 were sent" in out
    assert "manifest entry ping-ok expects ok: DIFFERS" in out
    assert main(["check", "ping-ok", "--quiet"]) == 0
    assert "manifest entry ping-ok expects ok: as expected" in capsys.readouterr().out
