"""The command line end to end: exit codes, constants parsing, targets, JSON schema."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=ROOT, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_ok_exit_0_and_summary():
    p = run("check", "two-phase", "-c", "rms=3")
    assert p.returncode == 0, p.stderr
    assert "288" in p.stdout and "OK" in p.stdout


def test_violation_exit_1_with_trace_of_changes(tmp_path):
    out = tmp_path / "r.json"
    p = run("check", "diehard", "--json", str(out))
    assert p.returncode == 1
    assert "big_to_small" in p.stdout and "big: 5 → 4" in p.stdout
    data = json.loads(out.read_text())
    assert data["schema"] == "protocheck.result/1"
    assert (data["status"], data["exit_code"], data["ok"]) == ("violation", 1, False)
    assert data["violation"]["name"] == "big_is_not_goal" and data["violation"]["length"] == 7
    assert data["violation"]["trace"][0] == {"step": 0, "action": "init", "name": "init", "args": {}, "state": {"small": 0, "big": 0}}
    assert data["violation"]["trace"][3]["args"] == {"jug": "small"}
    assert {c["action"] for c in data["coverage"]} == {"fill_small", "fill_big", "empty", "small_to_big", "big_to_small"}
    for key in ("distinct_states", "generated_states", "depth", "seconds", "constants", "invariants", "collision_probability"):
        assert key in data
    assert data["constants"] == {"goal": 4}


def test_bad_constant_exit_2_with_message():
    p = run("check", "diehard", "-c", "goal=four")
    assert p.returncode == 2
    assert "Constant goal='four' is not an int" in p.stderr
    p = run("check", "diehard", "-c", "gaol=4")
    assert p.returncode == 2 and "has no constant 'gaol'. Its constants are: goal (int)" in p.stderr


def test_unknown_invariant_exit_2():
    p = run("check", "diehard", "--invariant", "nope")
    assert p.returncode == 2 and "no invariant named 'nope'" in p.stderr


def test_bad_target_exit_2():
    p = run("check", "no-such-model")
    assert p.returncode == 2 and "Cannot tell which spec" in p.stderr
    p = run("check", "no/such/file.py:Spec")
    assert p.returncode == 2 and "No spec file at" in p.stderr


def test_incomplete_exit_3():
    p = run("check", "two-phase", "--max-states", "10")
    assert p.returncode == 3 and "INCOMPLETE" in p.stdout and "did NOT cover every state" in p.stdout


def test_no_deadlock_flag_and_file_target(tmp_path):
    (tmp_path / "tiny.py").write_text(textwrap.dedent('''
        import attrs
        from typing import Literal
        from checker import Spec, action, invariant

        @attrs.frozen
        class Tiny(Spec):
            top: int = 2
            flag: bool = False
            mode: Literal["a", "b"] = "a"
            def init(self):
                yield 0
            @action
            def up(self, s):
                return s + 1 if s < self.top else None
            @invariant
            def small(self, s):
                return s <= 5 or not self.flag
    '''))
    p = run("check", "tiny.py:Tiny", cwd=tmp_path)
    assert p.returncode == 1 and "Deadlock" in p.stdout
    p = run("check", "tiny.py:Tiny", "--no-deadlock", "-c", "top=4", "-c", "flag=true", "-c", "mode=b", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    p = run("check", "tiny.py:Tiny", "-c", "mode=c", cwd=tmp_path)
    assert p.returncode == 2 and "not one of the allowed values: 'a', 'b'" in p.stderr
    p = run("check", "tiny.py:Tiny", "-c", "flag=maybe", cwd=tmp_path)
    assert p.returncode == 2 and "is not a bool" in p.stderr


def test_module_target_and_list():
    p = run("check", "spec.two_phase:TwoPhase", "--quiet", "-c", "rms=2")
    assert p.returncode == 0
    p = run("list")
    assert p.returncode == 0 and "diehard" in p.stdout and "two-phase" in p.stdout


@pytest.mark.parametrize("flag", ["--max-states=0", "--time-limit=-1"])
def test_bad_limit_flags_exit_2(flag):
    p = run("check", "diehard", flag)
    assert p.returncode == 2 and "must be positive" in p.stderr


def test_workers_flag_gives_the_same_result(tmp_path):
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    assert run("check", "two-phase", "-c", "rms=4", "--quiet", "--json", str(one)).returncode == 0
    assert run("check", "two-phase", "-c", "rms=4", "--quiet", "--workers", "2", "--json", str(two)).returncode == 0
    a, b = json.loads(one.read_text()), json.loads(two.read_text())
    assert (a["distinct_states"], a["generated_states"], a["depth"]) == (b["distinct_states"], b["generated_states"], b["depth"]) == (1568, 8258, 14)
    assert b["workers"] == 2
    p = run("check", "diehard", "--workers", "two")
    assert p.returncode == 2 and "not a number of workers" in p.stderr
