"""Liveness counterexamples as a user reads them: every writer shows the lasso — the prefix,
"the cycle starts here", and after the last step "back to step k by <action>" or "stutters
forever" — the properties checked, the transition count and vacuous properties; JSON and
ITF carry the loop index; the suite judges expectations on liveness violations.

The results here are built by hand (a lasso with a cycle, one that stutters forever), so
these tests need no liveness engine; the end-to-end tests on a real check follow below."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import NamedTuple

import pytest
from rich.console import Console

from checker.result import CheckResult, Coverage, Step, Violation
from reports.html import result_html, sequence_svg
from reports.itf import trace_itf, write_itf
from reports.json_report import result_dict
from reports.junit import trace_text
from reports.manifest import Entry, Expectation, parse_entry
from reports.markdown import result_markdown
from reports.suite import got_text
from reports.terminal import print_result
from protocheck.suite import judge


class Lock(NamedTuple):
    owner: int  # -1: free
    waiting: frozenset


def step(action: str, owner: int, waiting: set, **args) -> Step:
    return Step(action, Lock(owner, frozenset(waiting)), action.split("(")[0], args)


# Client 1 asks for the lock; client 0 takes and releases it forever: served(c=1) never holds.
PREFIX = [step("init", -1, set()), step("ask(c=1)", -1, {1}, c=1)]
CYCLE = [step("acquire(c=0)", 0, {1}, c=0), step("release(c=0)", -1, {1}, c=0)]
BACK = step("acquire(c=0)", 0, {1}, c=0)


def cycle_violation() -> Violation:
    return Violation("liveness", "served", "served(c=1) (T ~> P): client 1 waits forever", PREFIX + CYCLE, loop=2,
                     loop_step=BACK)


def stutter_violation() -> Violation:
    """Nothing forces client 0 to act: the behaviour stays in the state after ask forever."""
    return Violation("liveness", "served", "property served is violated", PREFIX, loop=1)


def result(v: Violation | None, vacuous=()) -> CheckResult:
    return CheckResult("violation" if v else "ok", 4, 11, 3, 0.25, "LockSpec", {"clients": 2}, ["mutex"],
                       {"ask": Coverage(2, 2), "acquire": Coverage(4, 1), "release": Coverage(2, 0)},
                       [v] if v else [], properties=["served(c=0)", "served(c=1)"], transitions=9,
                       vacuous=list(vacuous))


def terminal(r: CheckResult, **kw) -> str:
    con = Console(record=True, width=160)
    print_result(r, con, **kw)
    return con.export_text()


def test_terminal_shows_the_prefix_the_cycle_and_the_step_back():
    out = terminal(result(cycle_violation()))
    lines = out.splitlines()
    head = "Property served is violated — counterexample of 4 states: 2 steps to a cycle of 2 steps, repeated forever:"
    assert head in lines
    body = lines[lines.index(head) + 1:]
    steps = [line for line in body if re.match(r"^ {2}\d  |^ {5}[⟳↻]", line)]
    assert steps == ["  0  init", "  1  ask(c=1)", "     ⟳ the cycle starts here", "  2  acquire(c=0)",
                     "  3  release(c=0)", "     ↻ back to step 2 by acquire(c=0)"]
    assert body[body.index("     ↻ back to step 2 by acquire(c=0)") + 1] == "       owner: -1 → 0"  # what the step back changes
    assert "  ✗ Property served is violated: served(c=1) (T ~> P): client 1 waits forever" in lines
    assert lines[-1] == "VIOLATION  property served violated after 2 steps, then a cycle of 2 steps repeated forever"
    summary = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in lines if line.count("│") == 3}
    assert summary["properties"] == "served(c=0), served(c=1)" and summary["transitions"] == "9"


def test_terminal_shows_a_behaviour_that_stutters_forever():
    out = terminal(result(stutter_violation()), quiet=True)
    assert "Property served is violated — counterexample of 2 states: 1 step, then the last state stutters forever:" in out
    assert "     ⟳ the cycle starts here\n  1  ask(c=1)\n       waiting: frozenset() → {1}\n     ↻ stutters forever\n" in out
    assert "  ✗ Property served is violated\n" in out  # a plain message is not repeated
    assert out.rstrip().endswith("VIOLATION  property served violated after 1 step, then stuttering forever")
    one = Violation("liveness", "served", "", PREFIX[:1], loop=0)
    assert "counterexample of 1 state: an initial state that stutters forever:" in terminal(result(one), quiet=True)
    assert terminal(result(one), quiet=True).rstrip().endswith("violated in an initial state that stutters forever")
    cycle = Violation("liveness", "served", "", PREFIX[:1] + CYCLE[:1], loop=0, loop_step=PREFIX[0])
    assert terminal(result(cycle), quiet=True).rstrip().endswith(
        "violated by a cycle of 2 steps from an initial state, repeated forever")


def test_terminal_ok_verdict_counts_properties_and_warns_of_vacuous_ones():
    out = terminal(result(None, vacuous=["served"]))
    assert ("warning: property served held vacuously: its trigger never held, or what it asks for held in "
            "every reachable state, so no behaviour put it to the test") in out
    assert out.rstrip().splitlines()[-1] == ("OK  no invariant violated and no deadlock in 4 distinct states; "
                                             "2 liveness properties hold (9 transitions between the states)")
    r = result(None, vacuous=["mutex"])
    assert "warning: invariant mutex held vacuously: its premise (exercised=) held in no checked state" in terminal(r)
    worded = result(None, vacuous=["served"])
    worded.warnings = ["property served is vacuous: its trigger holds in no reachable state, so ..."]
    assert terminal(worded).count("served is vacuous") == 1 and "served held vacuously" not in terminal(worded)


def test_markdown_marks_the_cycle_in_the_table():
    md = result_markdown(result(cycle_violation()), title="lock")
    assert "`served(c=0)`, `served(c=1)`; 9 transitions." in md
    assert "**property `served` violated** — counterexample of 4 states: 2 steps to a cycle of 2 steps" in md
    table = [line for line in md.splitlines() if line.startswith("|")][2:]
    assert table == ["| 0 | `init` | `owner` = `-1`<br>`waiting` = `frozenset()` |",
                     "| 1 | `ask(c=1)` | `waiting`: `frozenset() → {1}` |",
                     "| | ⟳ _the cycle starts here_ | |",
                     "| 2 | `acquire(c=0)` | `owner`: `-1 → 0` |",
                     "| 3 | `release(c=0)` | `owner`: `0 → -1` |",
                     "| ↻ | _back to step 2 by acquire(c=0)_ | `owner`: `-1 → 0` |"]
    stutter = result_markdown(result(stutter_violation(), vacuous=["served"]))
    assert stutter.splitlines()[-1] == "| ↻ | _stutters forever_ |  |"
    assert "⚠️ Warning: property served held vacuously" in stutter


class _Rows(HTMLParser):
    """The trace table's rows as (class, [cell texts])."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append((dict(attrs).get("class"), []))
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.rows:
            self.rows[-1][1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_html_marks_the_cycle_rows():
    page = result_html(result(cycle_violation()), title="lock")
    parser = _Rows()
    parser.feed(page)
    rows = parser.rows[1:]
    assert [(cls, cells[:2]) for cls, cells in rows] == [
        (None, ["0", "init"]), (None, ["1", "ask(c=1)"]), ("cycle-start", ["⟳", "the cycle starts here"]),
        (None, ["2", "acquire(c=0)"]), (None, ["3", "release(c=0)"]),
        ("cycle-end", ["↻", "back to step 2 by acquire(c=0)"])]
    assert rows[-1][1][2] == "owner: -1 → 0"
    assert "Property served is violated — counterexample of 4 states: 2 steps to a cycle of 2 steps" in page
    assert "Liveness properties: served(c=0), served(c=1); 9 transitions." in page
    stutter = _Rows()
    stutter.feed(result_html(result(stutter_violation())))
    assert stutter.rows[-1] == ("cycle-end", ["↻", "stutters forever", ""])


class Ping(NamedTuple):
    sent: int


def test_sequence_diagram_marks_the_cycle_and_draws_the_step_back():
    def send(src, dst):
        return Step(f"send(src={src}, dst={dst})", Ping(src), "send", {"src": src, "dst": dst})

    v = Violation("liveness", "quiet", "pings forever", [Step("init", Ping(-1)), send(0, 1), send(1, 0)],
                  loop=1, loop_step=send(0, 1))
    svg = sequence_svg(object(), v)
    labels = re.findall(r'<line class="(msg|cycle)"[^>]*/><text[^>]*>([^<]*)</text>', svg)
    assert labels == [("cycle", "⟳ the cycle starts here"), ("msg", "1. send"), ("msg", "2. send"), ("msg", "↻ 1. send")]
    assert "<title>back to step 1 by send(src=0, dst=1)</title>" in svg
    stutter = Violation("liveness", "quiet", "", [Step("init", Ping(-1)), send(0, 1)], loop=1)
    labels = re.findall(r'<line class="(msg|cycle)"[^>]*/><text[^>]*>([^<]*)</text>', sequence_svg(object(), stutter))
    assert labels == [("cycle", "⟳ the cycle starts here"), ("msg", "1. send"), ("cycle", "↻ stutters forever")]


def test_json_carries_kind_loop_and_the_step_back():
    doc = json.loads(json.dumps(result_dict(result(cycle_violation()))))
    v = doc["violation"]
    assert (v["kind"], v["name"], v["length"], v["loop"]) == ("liveness", "served", 4, 2)
    assert v["loop_step"] == {"action": "acquire(c=0)", "name": "acquire", "args": {"c": 0}, "from": 3, "to": 2}
    assert doc["properties"] == ["served(c=0)", "served(c=1)"] and doc["transitions"] == 9
    stutter = result_dict(result(stutter_violation()))["violation"]
    assert (stutter["loop"], stutter["loop_step"], stutter["length"]) == (1, None, 2)
    invariant = Violation("invariant", "mutex", "two owners", PREFIX)
    assert result_dict(result(invariant))["violation"]["loop"] is None


def test_itf_loop_is_the_index_adr015_means():
    """ADR-015: `loop` is the index of the state that starts the loop, and the loop ends in
    the last state — states[:loop] once, then states[loop:] forever: Violation.loop as is.
    Stuttering forever is the one-state loop on the last state."""
    itf_py = pytest.importorskip("itf_py")
    doc = trace_itf(cycle_violation(), result(cycle_violation()))
    assert doc["loop"] == 2 and len(doc["states"]) == 4
    assert doc["states"][doc["loop"]]["owner"] == {"#bigint": "0"}  # where the step back leads
    assert doc["#meta"]["loop"] == {"to": 2, "action": "acquire(c=0)", "args": {"c": {"#bigint": "0"}}}
    stutter = trace_itf(stutter_violation(), result(stutter_violation()))
    assert stutter["loop"] == len(stutter["states"]) - 1 == 1
    assert stutter["#meta"]["loop"] == {"to": 1, "stutters": True}
    assert "loop" not in trace_itf(Violation("invariant", "mutex", "", PREFIX), result(None))
    parsed = itf_py.trace_from_json(json.loads(json.dumps(doc)))
    assert parsed.loop == 2 and len(parsed.states) == 4


def test_junit_text_shows_the_lasso():
    text = trace_text(cycle_violation()).splitlines()
    assert text[1] == "counterexample of 4 states: 2 steps to a cycle of 2 steps, repeated forever:"
    assert [line for line in text if line.startswith(("     --", "     <-"))] == [
        "     -- the cycle starts here --", "     <- back to step 2 by acquire(c=0)"]
    assert text[-1] == "       owner: -1 -> 0"
    assert trace_text(stutter_violation()).splitlines()[-1] == "     <- stutters forever"


def entry(expect: Expectation, **kw) -> Entry:
    return Entry("lock", "tests.lock:Lock", expect=expect, **kw)


def test_the_suite_judges_liveness_expectations():
    r = result(cycle_violation())
    assert got_text(r) == "violation served (4 states, cycle from step 2)"
    assert got_text(result(stutter_violation())) == "violation served (2 states, stutters forever at step 1)"
    assert judge(entry(Expectation("violation", "served")), r).passed
    wrong = judge(entry(Expectation("violation", "granted")), r)
    assert not wrong.passed and "expected violation granted, got violation served" in wrong.detail
    assert not judge(entry(Expectation("violation", "served", max_length=3)), r).passed
    ok = result(None, vacuous=["served"])
    failed = judge(entry(Expectation("ok")), ok)
    assert not failed.passed and failed.got == "ok, but served vacuous"
    assert failed.detail.startswith("served could not fail: its trigger never held")
    assert judge(entry(Expectation("ok"), vacuous_ok=("served",)), ok).passed


def test_manifest_keys_for_liveness():
    e = parse_entry("x", {"spec": "diehard", "properties": ["served"], "symmetry": False,
                          "expect": {"violation": "served", "max_length": 6}})
    assert (e.properties, e.liveness, e.symmetry, e.expect.invariant) == (("served",), True, False, "served")
    assert parse_entry("x", {"spec": "diehard", "liveness": False}).liveness is False
    from protocheck.suite import entry_options

    opts = entry_options(parse_entry("x", {"spec": "diehard", "liveness": False, "symmetry": False}))
    assert (opts.liveness, opts.symmetry, opts.properties) == (False, False, None)
    assert entry_options(e).properties == ("served",)
    from checker.errors import UsageError

    for table, words in ((dict(liveness="no"), "liveness must be true or false"),
                         (dict(symmetry=1), "symmetry must be true or false"),
                         (dict(properties="served"), "properties must be a list of liveness property names"),
                         (dict(properties=["a"], liveness=False), "sets both properties = [...] and liveness = false")):
        with pytest.raises(UsageError, match=re.escape(words)):
            parse_entry("x", {"spec": "diehard", **table})


# -- the command line -------------------------------------------------------------------------

TINY = '''
"""A counter that should reach 2. `fair`: whether stepping up is weakly fair; `retreat`:
whether 1 may fall back to 0."""
from typing import NamedTuple

import attrs

from checker import Spec, action, eventually, leads_to, terminal


class S(NamedTuple):
    x: int = 0


@attrs.frozen
class Climb(Spec):
    fair: bool = False
    retreat: bool = False

    def init(self):
        yield S()

    @action
    def up(self, s):
        return S(s.x + 1) if s.x < 2 and not self.fair else None

    @action(fair="weak")
    def up_fairly(self, s):
        return S(s.x + 1) if s.x < 2 and self.fair else None

    @action(v=lambda spec, s: (0,), fair="strong", each=True)
    def back(self, s, v):
        return S(v) if self.retreat and s.x == 1 else None

    @terminal
    def at_the_top(self, s):
        return s.x == 2

    @eventually
    def reaches_two(self, s):
        return s.x == 2

    @leads_to(lambda spec, s, v: s.x == v, v=lambda spec: (0, 1))
    def moves_on(self, s, v):
        return s.x > v

    @leads_to(lambda spec, s: s.x == 5)
    def never_triggered(self, s):
        return True
'''


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "climb.py"
    path.write_text(TINY)
    return str(path)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    from protocheck.cli import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_unknown_property_is_refused_with_the_spec_s_properties(capsys, tiny):
    code, _, err = cli(capsys, "check", tiny, "--property", "reaches_three")
    assert code == 2
    assert " ".join(err.split()) == (
        "error: --property reaches_three: Climb has no liveness property named 'reaches_three'. Its properties are: "
        "reaches_two (<>P), moves_on(v) (T ~> P), never_triggered (T ~> P). Name one of those (the name without "
        "parameters, as declared), or leave --property out to check them all.")
    code, _, err = cli(capsys, "check", tiny, "--property", "reaches_two", "--no-liveness")
    assert code == 2 and "--property reaches_two and --no-liveness contradict each other" in err
    code, _, err = cli(capsys, "check", "diehard", "--property", "reaches_two")
    assert code == 2 and "DieHard declares no liveness property" in err


def test_list_shows_properties_and_fairness(capsys, tiny, monkeypatch):
    import protocheck.cli as cli_module

    monkeypatch.setattr(cli_module, "bundled", lambda: {"climb": f"{tiny}:Climb"})
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli(capsys, "list", "--manifest", "/nonexistent/models.toml")
    assert code == 0
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.count("│") == 7]
    actions = [row[3] for row in cells if row[3]]
    props = [row[5] for row in cells if row[5]]
    assert actions == ["up", "up_fairly — WF", "back — SF per instance"]
    assert props == ["reaches_two (<>P)", "moves_on(v) (T ~> P)", "never_triggered (T ~> P)"]


# -- end to end: the engine's lassos through the command line ---------------------------------


def test_check_exits_1_with_a_lasso_that_stutters(capsys, tiny, tmp_path):
    """Nothing makes `up` happen: the initial state may stay for ever, and x == 2 never holds."""
    js, itf = tmp_path / "r.json", tmp_path / "r.itf.json"
    code, out, _ = cli(capsys, "check", tiny, "--json", str(js), "--itf", str(itf))
    assert code == 1
    assert ("Property reaches_two is violated — counterexample of 1 state: an initial state that stutters forever:\n"
            "     ⟳ the cycle starts here\n  0  init\n       x = 0\n     ↻ stutters forever\n") in out
    assert out.rstrip().endswith("VIOLATION  property reaches_two violated in an initial state that stutters forever")
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in out.splitlines() if line.count("│") == 3}
    assert rows["properties"] == "reaches_two, moves_on(v=0), moves_on(v=1), never_triggered"
    assert rows["transitions"] == "2"
    doc = json.loads(js.read_text())
    v = doc["violation"]
    assert (doc["status"], doc["exit_code"], v["kind"], v["name"], v["length"], v["loop"], v["loop_step"]) == \
        ("violation", 1, "liveness", "reaches_two", 1, 0, None)
    trace = json.loads(itf.read_text())
    assert (trace["loop"], len(trace["states"]), trace["#meta"]["loop"]) == (0, 1, {"to": 0, "stutters": True})


def test_check_shows_a_fair_cycle_and_the_step_back(capsys, tiny, tmp_path):
    """1 may fall back to 0, so stepping up fairly still never settles above 1: the lasso
    reaches 1 and cycles through 0 (--property selects the leads-to property)."""
    js, itf = tmp_path / "r.json", tmp_path / "r.itf.json"
    code, out, _ = cli(capsys, "check", tiny, "-c", "fair=True", "-c", "retreat=True", "--property", "moves_on",
                       "--quiet", "--json", str(js), "--itf", str(itf))
    assert code == 1
    lines = out.splitlines()
    start = lines.index("Property moves_on is violated — counterexample of 3 states: 1 step to a cycle of 2 steps, "
                        "repeated forever:")
    assert lines[start + 1:start + 11] == [
        "  0  init", "       x = 0", "     ⟳ the cycle starts here", "  1  up_fairly", "       x: 0 → 1",
        "  2  back(v=0)", "       x: 1 → 0", "     ↻ back to step 1 by up_fairly", "       x: 0 → 1",
        lines[start + 10]]
    assert lines[start + 10].startswith("  ✗ Property moves_on is violated: moves_on(v=1) (T ~> P): its trigger holds at step 1")
    assert lines[-1] == "VIOLATION  property moves_on violated after 1 step, then a cycle of 2 steps repeated forever"
    doc = json.loads(js.read_text())
    assert doc["properties"] == ["moves_on(v=0)", "moves_on(v=1)"] and doc["transitions"] == 3
    v = doc["violation"]
    assert (v["loop"], v["length"]) == (1, 3)
    assert v["loop_step"] == {"action": "up_fairly", "name": "up_fairly", "args": {}, "from": 2, "to": 1}
    assert v["trace"][v["loop"]]["state"] == {"x": 1}  # where the step back leads
    trace = json.loads(itf.read_text())
    assert trace["loop"] == 1 and trace["states"][1]["x"] == {"#bigint": "1"}
    assert trace["#meta"]["loop"] == {"to": 1, "action": "up_fairly", "args": {}}


def test_fair_climb_holds_and_liveness_can_be_turned_off(capsys, tiny):
    code, out, _ = cli(capsys, "check", tiny, "-c", "fair=True", "--quiet")
    assert code == 0
    assert out.count("never_triggered is vacuous") == 1  # the engine's warning, printed once
    assert out.rstrip().splitlines()[-1] == ("OK  no invariant violated and no deadlock in 3 distinct states; "
                                             "4 liveness properties hold (2 transitions between the states)")
    code, out, _ = cli(capsys, "check", tiny, "--no-liveness")
    assert code == 0 and "properties" not in out and "vacuous" not in out
    assert out.rstrip().splitlines()[-1] == "OK  no invariant violated and no deadlock in 3 distinct states"


MANIFEST = '''
[models.climb-stalls]
spec = "climb.py"
expect = { violation = "reaches_two", max_length = 1 }

[models.climb-retreats]
spec = "climb.py"
constants = { fair = true, retreat = true }
properties = ["moves_on"]
expect = { violation = "moves_on", max_length = 3 }

[models.climb-safety-only]
spec = "climb.py"
liveness = false

[models.climb-fair]
spec = "climb.py"
constants = { fair = true }
vacuous_ok = ["never_triggered"]
'''


def test_the_suite_expects_liveness_violations(capsys, tiny, tmp_path):
    (tmp_path / "models.toml").write_text(MANIFEST)
    js = tmp_path / "suite.json"
    code, out, _ = cli(capsys, "ci", str(tmp_path / "models.toml"), "--no-times", "--json", str(js))
    assert code == 0, out
    got = {e["name"]: (e["got"], e["passed"]) for e in json.loads(js.read_text())["entries"]}
    assert got == {"climb-stalls": ("violation reaches_two (1 state, stutters forever at step 0)", True),
                   "climb-retreats": ("violation moves_on (3 states, cycle from step 1)", True),
                   "climb-safety-only": ("ok", True), "climb-fair": ("ok", True)}
    code, out, _ = cli(capsys, "check", "climb-safety-only", "--manifest", str(tmp_path / "models.toml"), "--quiet")
    assert code == 0 and "as expected" in out
    (tmp_path / "models.toml").write_text(MANIFEST.replace('vacuous_ok = ["never_triggered"]\n', ""))
    code, out, _ = cli(capsys, "ci", str(tmp_path / "models.toml"), "--only", "climb-fair", "--no-times")
    assert code == 1 and "never_triggered could not fail" in " ".join(out.split())


def test_parallel_liveness_is_refused_and_no_liveness_runs_in_parallel(capsys, tiny):
    code, _, err = cli(capsys, "check", tiny, "--workers", "2")
    assert code == 2 and "is checked in one process" in err and "--no-liveness" in err
    code, out, _ = cli(capsys, "check", tiny, "--workers", "2", "--no-liveness", "--quiet")
    assert code == 0 and out.rstrip().endswith("OK  no invariant violated and no deadlock in 3 distinct states")


def test_a_search_cut_short_gives_no_liveness_verdict(capsys, tiny, tmp_path):
    md = tmp_path / "r.md"
    code, out, _ = cli(capsys, "check", tiny, "--max-depth", "1", "--quiet", "--markdown", str(md))
    assert code == 3
    assert out.rstrip().splitlines() == [
        "warning: The liveness properties (reaches_two, moves_on(v=0), moves_on(v=1), never_triggered) were not checked: "
        "the search did not explore every reachable state, and a cycle can only be judged on the whole state graph.",
        "INCOMPLETE  (reached max_depth=1; the search did NOT cover every state)"]
    assert "⚠️ Warning: The liveness properties (reaches_two, moves_on(v=0), moves_on(v=1), never_triggered) were not " \
           "checked" in md.read_text()
