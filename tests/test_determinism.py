"""The same spec and constants give the same counts and the same trace in every run,
whatever Python's per-process string-hash seed."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAM = """
import json
from checker import check
from spec.two_phase import TwoPhase
from tests.specs_for_tests import Words
a = check(TwoPhase(rms=3))
b = check(Words())
print(json.dumps([a.distinct_states, a.generated_states, a.depth, b.distinct_states, b.generated_states,
                  [s.action for s in b.violation.trace], [sorted(s.state) for s in b.violation.trace]]))
"""


def run_with_seed(seed: str):
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_counts_and_traces_do_not_depend_on_hash_seed():
    results = [run_with_seed(seed) for seed in ("0", "1", "12345", "random")]
    assert all(r == results[0] for r in results)
    assert results[0][:3] == [288, 1146, 11]
    assert results[0][5] == ["init", "add(w='alpha')", "add(w='beta')", "add(w='delta')"]


def test_cli_json_is_identical_across_runs(tmp_path):
    outs = []
    for seed in ("1", "2"):
        path = tmp_path / f"r{seed}.json"
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=ROOT)
        subprocess.run([sys.executable, "-m", "checker", "check", "diehard", "--json", str(path), "--quiet"], env=env, cwd=ROOT, capture_output=True)
        data = json.loads(path.read_text())
        data.pop("seconds"), data.pop("states_per_second")
        outs.append(data)
    assert outs[0] == outs[1]
