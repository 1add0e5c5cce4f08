"""`protocheck simulate` end to end, and `mode = "simulate"` entries in models.toml."""

import json
import textwrap

import pytest

from checker.errors import UsageError
from protocheck.cli import main
from reports.manifest import parse_manifest
from tests.test_cli import ROOT, run


@pytest.fixture
def cli(capsys):
    """protocheck in this process (a subprocess costs seconds on a loaded machine): (exit code, stdout, stderr)."""
    def invoke(*args):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusing a flag
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err
    return invoke


def test_violation_exit_1_with_the_shrunk_trace_and_where_it_came_from(tmp_path):
    out = tmp_path / "r.json"
    p = run("simulate", "diehard", "--seed", "3", "--json", str(out))  # the one end-to-end run: the real exit code
    assert p.returncode == 1, p.stderr
    assert "VIOLATION  invariant big_is_not_goal violated after 6 steps (random simulation)" in p.stdout
    assert "found by walk 44" in p.stdout and "shrunk from 61 to 7 states" in p.stdout
    assert "breadth-first search: a shortest counterexample has 7 states" in p.stdout
    assert "liveness properties are not checked by simulate" in p.stdout
    data = json.loads(out.read_text())
    assert (data["status"], data["exit_code"], data["violation"]["length"]) == ("violation", 1, 7)
    sim = data["simulation"]
    assert (sim["seed"], sim["walk"], sim["original_length"], sim["shrunk_length"], sim["shortest"]) == (3, 44, 61, 7, 7)


def test_no_violation_exit_0_and_the_contract_wording(tmp_path, cli):
    out = tmp_path / "r.json"
    code, stdout, _ = cli("simulate", "two-phase", "-c", "rms=3", "--traces", "50", "--seed", "2", "--json", str(out))
    assert code == 0
    assert "NO VIOLATION  no violation in 50 traces (4,950 steps, 100 max depth), not exhaustive" in stdout
    assert "OK" not in stdout.split()
    data = json.loads(out.read_text())
    assert (data["status"], data["ok"], data["exit_code"]) == ("no_violation", False, 0)
    assert data["simulation"]["traces"] == 50 and data["simulation"]["lengths"] == {"100": 50}
    assert {c["action"] for c in data["coverage"]} >= {"tm_commit", "rm_prepare"}


def test_no_shrink_and_max_depth_and_quiet(cli):
    code, out, _ = cli("simulate", "diehard", "--seed", "3", "--no-shrink", "--quiet")
    assert code == 1 and "counterexample of 61 states" in out and "coverage" not in out
    code, out, _ = cli("simulate", "two-phase", "--traces", "3", "--max-depth", "5", "--quiet")
    assert code == 0 and "no violation in 3 traces (12 steps, 5 max depth), not exhaustive" in out


def test_an_error_in_the_spec_exits_2(cli):
    code, out, _ = cli("simulate", "tests/specs_for_tests.py:Broken", "-c", "how=raise", "--traces", "2")
    assert code == 2 and "ERROR" in out and "KeyError" in out


@pytest.mark.parametrize("flags, words", [
    (["--traces", "0"], "argument --traces: '0' must be positive"),
    (["--seed", "x"], "argument --seed: 'x' is not a seed (a whole number, 0 or more)"),
    (["--swarm", "maybe"], "argument --swarm: invalid choice: 'maybe'"),
    (["--invariant", "nope"], "DieHard has no invariant named 'nope'"),
])
def test_bad_flags_exit_2_with_one_line(flags, words, cli):
    code, _, err = cli("simulate", "diehard", *flags)
    assert code == 2 and words in " ".join(err.split())


MANIFEST = """
[models.jugs-sim]
spec = "diehard"
mode = "simulate"
seed = 3
traces = 100
expect = { violation = "big_is_not_goal", max_length = 7 }

[models.two-phase-sim]
spec = "two-phase"
mode = "simulate"
traces = 30
max_depth = 20
expect = "ok"
"""


def test_simulate_entries_run_in_ci_and_by_name(tmp_path, cli):
    (tmp_path / "models.toml").write_text(MANIFEST)
    code, out, err = cli("ci", str(tmp_path / "models.toml"), "--no-times")
    assert code == 0, out + err
    assert "jugs-sim: violation big_is_not_goal (7 states) pass" in out
    assert "two-phase-sim: no_violation (30 traces) pass" in out
    code, out, _ = cli("simulate", "two-phase-sim", "--manifest", str(tmp_path / "models.toml"))
    assert code == 0 and "no violation in 30 traces (570 steps, 20 max depth)" in out
    assert "manifest entry two-phase-sim expects ok: as expected" in out


def test_the_same_seed_gives_the_same_trace_under_any_hash_seed():
    import os
    import subprocess
    import sys

    traces = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONPATH=ROOT, PYTHONHASHSEED=hash_seed)
        code = ("from checker import simulate; from tests.specs_for_tests import Words; "
                "r = simulate(Words(), seed=4, swarm='on', traces=5, max_depth=4); "
                "print(r.distinct_states, [s.action for s in r.violation.trace] if r.violation else r.reason)")
        traces.append(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                                     timeout=120).stdout)
    assert traces[0] == traces[1] and traces[0].strip()


@pytest.mark.parametrize("table, words", [
    ('mode = "random"', 'mode must be "check" (exhaustive, the default) or "simulate"'),
    ("seed = 3", 'seed only make sense with mode = "simulate"'),
    ('mode = "simulate"\nmax_states = 10', "max_states bounds an exhaustive search"),
    ('mode = "simulate"\ntraces = 0', "traces must be a positive whole number"),
    ('mode = "simulate"\nseed = -1', "seed must be a whole number, 0 or more"),
    ('mode = "simulate"\nswarm = "all"', "swarm must be one of 'mixed', 'on', 'off'"),
])
def test_bad_simulate_entries_are_refused(table, words):
    import tomllib

    data = tomllib.loads(textwrap.dedent(f'[models.x]\nspec = "diehard"\n{table}\n'))
    with pytest.raises(UsageError) as err:
        parse_manifest(data)
    assert words in str(err.value)


def test_this_repositorys_simulate_entries_parse():
    import tomllib

    with open(f"{ROOT}/models.toml", "rb") as fh:
        entries = parse_manifest(tomllib.load(fh))
    sims = [e for e in entries.values() if e.simulate is not None]
    assert sims and all(e.simulate.traces is not None for e in sims)  # a walk budget, not only a clock: deterministic


def test_the_readme_prints_what_simulate_prints(cli):
    readme = open(f"{ROOT}/README.md", encoding="utf-8").read()
    code, out, _ = cli("simulate", "two-phase", "--traces", "200", "--quiet")
    line = ("NO VIOLATION  no violation in 200 traces (19,800 steps, 100 max depth), not exhaustive — random simulation, "
            "not a proof")
    assert code == 0 and line in out and line in readme
