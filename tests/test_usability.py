"""What a new user meets first: targets without `:Class`, `--version`, `list`, the wording
of values and trace lengths, ITF's None, `--continue`'s counts and a cut-short verdict,
and progress lines that say whether waiting is worth it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tomllib

import attrs
from rich.console import Console

from checker import Spec, action, check, invariant
from reports.itf import trace_itf
from reports.progress import _line
from reports.terminal import print_result
from reports.values import show
from tests.specs_for_tests import Grid, Lonely, Words

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=ROOT, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def rendered(r, width: int = 100, **kwargs) -> str:
    console = Console(width=width, record=True, highlight=False, color_system=None, file=open(os.devnull, "w"))
    print_result(r, console, **kwargs)
    return console.export_text()


ONE_SPEC = '''
import attrs
from checker import Spec, action, invariant
from spec.diehard import DieHard      # imported, so not one of this file's specs

@attrs.frozen
class Upto(Spec):
    top: int = 3

    def init(self):
        yield 0

    @action
    def inc(self, s):
        return s + 1 if s < self.top else None

    @invariant
    def below_two(self, s):
        return s < 2
'''


# -- targets, --version, list ------------------------------------------------------------------


def test_a_file_with_one_spec_needs_no_class_name(tmp_path):
    (tmp_path / "upto.py").write_text(ONE_SPEC)
    p = run("check", str(tmp_path / "upto.py"))
    assert p.returncode == 1, p.stderr
    assert "Invariant below_two is violated — counterexample of 3 states (2 steps):" in p.stdout


def test_a_file_with_several_specs_lists_the_targets(tmp_path):
    two = ONE_SPEC + "\n\n@attrs.frozen\nclass Other(Upto):\n    pass\n"
    (tmp_path / "two.py").write_text(two)
    path = str(tmp_path / "two.py")
    p = run("check", path)
    assert p.returncode == 2
    assert f"{path} defines 2 spec classes; say which one to check: {path}:Upto, {path}:Other." in p.stderr
    (tmp_path / "none.py").write_text("X = 1\n")
    p = run("check", str(tmp_path / "none.py"))
    assert p.returncode == 2 and "none.py defines no spec class" in p.stderr


def test_a_manifest_entry_may_name_a_file_alone_relative_to_the_manifest(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "upto.py").write_text(ONE_SPEC)
    (tmp_path / "sub" / "models.toml").write_text(
        '[models.upto]\nspec = "upto.py"\nexpect = { violation = "below_two", max_length = 3 }\n')
    p = run("check", "upto", "--manifest", "sub/models.toml", "--quiet", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    assert "manifest entry upto expects violation below_two (≤3 states): as expected" in p.stdout


def test_list_survives_a_broken_manifest(tmp_path):
    (tmp_path / "models.toml").write_text('[models.x]\nspec = "diehard"\nbogus = 1\n')
    p = run("list", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "cannot list the entries of" in p.stdout and "[models.x] has unknown key(s) bogus" in p.stdout
    assert "spec.diehard:DieHard" in p.stdout  # the bundled specs are still listed


def test_version_matches_the_distribution():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith(f"protocheck {version} (Python ")


def test_list_shows_the_manifest_entries_check_accepts():
    p = run("list")
    assert p.returncode == 0, p.stderr
    assert "models.toml entries" in p.stdout
    line = next(ln for ln in p.stdout.splitlines() if "kafka-controller-no-fencing " in ln)
    assert "controller_epoch_fencing=False" in line and "violation no_stale_controller_request (≤8 states)" in line


# -- values and wording ------------------------------------------------------------------------


def test_empty_sets_print_as_python_writes_them():
    assert (show(frozenset()), show(set()), show(frozenset({2, 1}))) == ("frozenset()", "set()", "{1, 2}")
    text = rendered(check(Words(), invariants=["small"]))
    assert "  0  init\n       state = frozenset()\n" in text


def test_lengths_are_counted_in_words():
    text = rendered(check(Lonely()), quiet=True)
    assert "Deadlock — counterexample of 1 state (an initial state, no step):" in text
    assert text.rstrip().endswith("DEADLOCK  deadlock reached in an initial state")
    from tests.specs_for_tests import Broken

    text = rendered(check(Broken(how="init")), quiet=True)
    assert "Error in init — no trace\n" in text and "0 states" not in text
    assert text.rstrip().endswith("ERROR  error in init before any initial state")
    assert "counterexample of 2 states (1 step):" in rendered(check(_TwoStates()), quiet=True)


@attrs.frozen
class _TwoStates(Spec):
    """One step to a bad state that holds None: for 1-step wording and ITF's None."""

    def init(self):
        yield (0, None)

    @action
    def go(self, s):
        return (1, None) if s[0] == 0 else None

    @invariant
    def stays_zero(self, s):
        return s[0] == 0


def test_itf_writes_none_as_quints_tagged_none():
    r = check(_TwoStates())
    doc = trace_itf(r.violation, r)
    none = {"tag": "None", "value": {"#tup": []}}
    assert doc["states"][0]["state"] == {"#tup": [{"#bigint": "0"}, none]}
    assert doc["states"][1]["state"] == {"#tup": [{"#bigint": "1"}, none]}
    assert "#unserializable" not in json.dumps(doc)


def test_never_fired_note_is_one_line_under_the_table():
    r = check(Grid(n=1))  # a single corner state: move never fires
    text = rendered(r)
    assert "never fired: move (a guard that is never true is often a spec bug)\n" in text


# -- --continue and limits ---------------------------------------------------------------------


def test_continue_counts_the_violating_states_of_each_invariant():
    from spec.kafka_controller import KafkaController

    r = check(KafkaController(controller_epoch_fencing=False), stop_on_first=False)
    assert [v.name for v in r.violations] == ["no_stale_controller_request", "one_leader_per_epoch"]
    assert r.violating_states == {"no_stale_controller_request": 8379, "one_leader_per_epoch": 1440}
    text = rendered(r, width=200, quiet=True, continued=True)
    assert ("violating states met: 8,379 states breaking no_stale_controller_request, 1,440 states breaking "
            "one_leader_per_epoch (one trace shown for each)") in text


def test_continue_keeps_one_deadlock_trace_and_counts_the_rest():
    @attrs.frozen
    class Fork(Spec):
        def init(self):
            yield 0

        @action(d=lambda spec, s: (1, 2))
        def step(self, s, d):
            return s * 10 + d if s < 10 else None

    r = check(Fork(), stop_on_first=False)
    assert [(v.kind, len(v.trace)) for v in r.violations] == [("deadlock", 3)]
    assert r.violating_states == {"deadlock": 4}


@attrs.frozen
class _Forever(Spec):
    def init(self):
        yield 0

    @action
    def inc(self, s):
        return s + 1

    @invariant
    def small(self, s):
        return s < 3


def test_a_limit_after_a_violation_says_the_run_was_cut_short():
    r = check(_Forever(), stop_on_first=False, max_states=50)
    assert (r.status, r.reason, r.violating_states) == ("violation", "reached max_states=50", {"small": 47})
    last = rendered(r, width=300, quiet=True, continued=True).rstrip().splitlines()
    assert last[-1] == ("VIOLATION  invariant small violated after 3 steps; then the search was cut short "
                        "(reached max_states=50) and did NOT cover every state")
    assert last[-2].startswith("violating states met so far (the search was cut short): 47 states breaking small")


def test_cli_continue_with_a_time_limit_says_so_in_its_last_line(tmp_path):
    (tmp_path / "forever.py").write_text(textwrap.dedent('''
        import attrs
        from checker import Spec, action, invariant

        @attrs.frozen
        class Forever(Spec):
            def init(self):
                yield 0

            @action
            def inc(self, s):
                return s + 1

            @invariant
            def small(self, s):
                return s < 3
    '''))
    p = run("check", str(tmp_path / "forever.py"), "--continue", "--time-limit", "0.5", "--quiet")
    assert p.returncode == 1, p.stderr
    assert p.stdout.rstrip().splitlines()[-1] == ("VIOLATION  invariant small violated after 3 steps; then the search "
                                                  "was cut short (reached time_limit=0.5s) and did NOT cover every state")


# -- progress ----------------------------------------------------------------------------------


def test_progress_reports_level_sizes():
    seen = []
    check(Grid(n=3), invariants=["always"], progress=seen.append, progress_interval=0.0)
    assert seen[-1]["levels"] == [2, 3, 2, 1]  # the 3x3 grid's diagonals: 1, 2, 3, 2, 1
    assert [s["levels"][-1] for s in seen][:3] == [1, 2, 3]


def test_progress_line_shows_memory_and_growth():
    line = _line({"distinct": 1500, "generated": 4000, "queue": 800, "depth": 7, "per_second": 1200.0,
                  "seconds": 12.3, "levels": [100, 300, 600]})
    assert line.startswith("distinct 1,500  generated 4,000  queue 800  depth 7  1,200 states/s  12s  mem ")
    assert line.endswith(" MB  levels 100 → 300 → 600  ×2.00")


# -- sequence diagrams ---------------------------------------------------------------------------


def test_diagram_labels_messages_by_kind_or_the_specs_label_and_draws_every_lifeline():
    from reports.flow import lifelines, message_flow
    from reports.html import sequence_svg
    from checker import Step
    from tests.test_reports import Acks, Msg

    ask = Step("ack(m=Msg(src=0, dst=2, kind='ask'))", None, "ack", {"m": Msg(0, 2, "ask")})
    assert message_flow(Acks(), ask) == ("p0", "p2", "ask")

    @attrs.frozen
    class Labelled(Acks):
        def message_label(self, msg):
            return f"{msg.kind.upper()} to {msg.dst}"

        def processes(self):
            return range(4)  # p3 takes no part in the trace

    assert message_flow(Labelled(), ask) == ("p0", "p2", "ASK to 2")
    r = check(Labelled())
    svg = sequence_svg(Labelled(), r.violation)
    assert svg.count('class="lifeline"') == 4 and ">p3</text>" in svg
    assert svg.count('class="msg"') == len(r.violation.trace) - 1
    assert lifelines(Acks(), [("p2", "p0", "x"), ("p10", "p1", "y")]) == ["p0", "p1", "p2", "p10"]


def test_readme_lists_the_runtime_dependencies_pyproject_declares():
    import re

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        declared = [re.match(r"[A-Za-z0-9_.-]+", d).group(0) for d in tomllib.load(fh)["project"]["dependencies"]]
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    listed = re.search(r"Runtime dependencies \(as `pyproject.toml` lists them\): ([^.]*)\.", readme).group(1)
    assert [d.strip() for d in listed.replace("\n", " ").split(",")] == declared
    for doc in ("docs/models.md", "docs/performance.md", "docs/parallel.md", "docs/symmetry.md", "docs/fast_specs.md"):
        assert doc in readme and os.path.exists(os.path.join(ROOT, doc)), doc
