"""Bad input ends with exit 2 and one paragraph naming the problem and the fix: never a
Python traceback, never exit 1 (which CI reads as "bug found") or 0, never a silent answer.

Most cases run `main(argv)` in this process (fast); those about the process itself (a
spec calling sys.exit) run `python -m checker` as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import attrs
import pytest

from checker import Spec, SpecError, action, check, constraint, invariant
from protocheck.cli import main
from spec.diehard import DieHard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COUNTER = '''
import attrs
from checker import Spec, action, invariant

@attrs.frozen
class Counter(Spec):
    top: int = 2
    def init(self):
        yield 0
    @action
    def up(self, s):
        return s + 1 if s < self.top else None
    @invariant
    def small(self, s):
        return s <= self.top
'''


def write(tmp_path, name: str, source: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def run(*argv: str, cwd=ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "checker", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def refused(code: int, out: str, err: str, *words: str) -> None:
    """Exit 2, every word in the one-paragraph message on stderr, and no traceback at all."""
    assert code == 2, out + err
    assert "Traceback" not in out + err, out + err
    for w in words:
        assert w in err, (w, err)


# -- the spec module cannot be imported -----------------------------------------------------------


def test_syntax_error_in_spec_file(tmp_path, capsys):
    path = write(tmp_path, "broken.py", "import attrs\ndef oops(:\n    pass\n")
    code, out, err = cli(capsys, "check", f"{path}:X")
    refused(code, out, err, "has a syntax error", "line 2", "def oops(:")


def test_failing_import_in_spec_file(tmp_path, capsys):
    path = write(tmp_path, "needs.py", "import attrs\nimport no_such_module_xyz\n")
    code, out, err = cli(capsys, "check", f"{path}:X")
    refused(code, out, err, "imports 'no_such_module_xyz'", "line 2", "cannot be found")


def test_exception_at_import_of_spec_file(tmp_path, capsys):
    path = write(tmp_path, "raises.py", "X = 1\nraise RuntimeError('no config file')\n")
    code, out, err = cli(capsys, "check", f"{path}:X")
    refused(code, out, err, "raised RuntimeError: no config file", "raises.py, line 2", "must import without error")


def test_failing_import_in_spec_module_target(tmp_path, capsys, monkeypatch):
    """The target module exists; what it imports does not: the message names the missing one."""
    (tmp_path / "mypkg").mkdir()
    write(tmp_path, "mypkg/__init__.py", "")
    write(tmp_path, "mypkg/model.py", "import not_installed_zz\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, err = cli(capsys, "check", "mypkg.model:X")
    refused(code, out, err, "Importing mypkg.model failed: it imports 'not_installed_zz'")
    code, out, err = cli(capsys, "check", "mypkg.missing:X")  # the target itself is missing: as before
    refused(code, out, err, "Cannot import module 'mypkg.missing'")


def test_sys_exit_at_import(tmp_path, capsys):
    path = write(tmp_path, "script.py", "import sys\nsys.exit(0)\n")
    code, out, err = cli(capsys, "check", f"{path}:X")
    refused(code, out, err, "Importing", "script.py called sys.exit(0)", "__main__")


# -- constants --------------------------------------------------------------------------------------


NO_DEFAULT = '''
import attrs
from checker import Spec, action

@attrs.frozen
class NoDefault(Spec):
    n: int
    mode: str = "a"
    def init(self):
        yield 0
    @action
    def up(self, s):
        return s + 1 if s < self.n else None
'''


def test_constant_without_default_and_no_value(tmp_path, capsys):
    path = write(tmp_path, "nodefault.py", NO_DEFAULT)
    code, out, err = cli(capsys, "check", f"{path}:NoDefault")
    refused(code, out, err, "constant(s) without a default that were given no value: n (int)", "-c n=...")
    assert cli(capsys, "check", f"{path}:NoDefault", "-c", "n=2", "--no-deadlock")[0] == 0


def test_constant_without_default_in_a_manifest_entry(tmp_path, capsys, monkeypatch):
    write(tmp_path, "nodefault.py", NO_DEFAULT)
    write(tmp_path, "models.toml", '[models.needs-n]\nspec = "nodefault.py:NoDefault"\n')
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "check", "needs-n")
    refused(code, out, err, "n (int)", "in [models.needs-n] (constants = { n = ... })")
    code, out, err = cli(capsys, "ci")
    assert code == 1 and "Traceback" not in out + err
    assert "✗ needs-n: NoDefault has constant(s) without a default" in out and "[models.needs-n]" in out


# -- symmetry ---------------------------------------------------------------------------------------


@attrs.frozen
class PermuteRaises(Spec):
    def init(self):
        yield (0, 0)

    def symmetry(self):
        return ((1, 0),)

    def permute(self, s, p):
        return {"a": 1}[s]  # a KeyError: the author forgot what a state is

    @action
    def up(self, s):
        return (s[0] + 1, s[1]) if s[0] < 2 else None


def test_permute_raising_in_the_symmetry_self_check(capsys):
    with pytest.raises(SpecError, match=r"PermuteRaises.permute\(\) raised KeyError: \(0, 0\).*permutation \(1, 0\)"):
        check(PermuteRaises())
    assert check(PermuteRaises(), symmetry=False, deadlock=False).status == "ok"
    code, out, err = cli(capsys, "check", "tests.test_bad_input:PermuteRaises")
    refused(code, out, err, "permute() raised KeyError", "test_bad_input.py, line", "--no-symmetry")


# -- values too deep for Python's recursion limit -----------------------------------------------------


DEEP = '''
import attrs
from checker import Spec, action, invariant

def nested(depth):
    s = ()
    for _ in range(depth):
        s = (s,)
    return s

@attrs.frozen
class Deep(Spec):
    depth: int = 100_000
    def init(self):
        yield nested(self.depth)
    @action
    def up(self, s):
        return None
    @invariant
    def never(self, s):
        return False
'''


DEEP_LATER = '''
import attrs
from checker import Spec, action, invariant
from deep import nested

@attrs.frozen
class DeepLater(Spec):
    """The deep value is the successor of the 2,100th initial state, past any sampling of the first states."""
    def init(self):
        for i in range(2100):
            yield (i, ())
    @action
    def up(self, s):
        return (-1, nested(100_000)) if s[0] == 2099 else None
    @invariant
    def shallow(self, s):
        return s[0] >= 0
'''


@pytest.mark.parametrize("workers", ["1", "2"])
def test_state_nested_100000_deep_reached_late(tmp_path, capsys, workers):
    write(tmp_path, "deep.py", DEEP)
    path = write(tmp_path, "deep_later.py", DEEP_LATER)
    code, out, err = cli(capsys, "check", f"{path}:DeepLater", "--no-deadlock", "--quiet", "--workers", workers)
    refused(code, out, err, "recursion limit", "nested more than about 1,000 levels")


def test_state_nested_100000_deep(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, "deep.py", DEEP)
    code, out, err = cli(capsys, "check", f"{path}:Deep")
    refused(code, out, err, "recursion limit", "nested more than about 1,000 levels", "Store such structures flat")
    # The same spec, 10 deep, is checked normally: the refusal is about depth alone.
    assert cli(capsys, "check", f"{path}:Deep", "-c", "depth=10")[0] == 1
    write(tmp_path, "models.toml", '[models.deep]\nspec = "deep.py:Deep"\n')
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "ci")
    # Met by the search, the entry fails and the suite goes on (exit 1); met printing its
    # trace, the suite stops (exit 2). Either way the paragraph, never a traceback.
    assert code in (1, 2) and "Traceback" not in out + err
    assert "Python's recursion limit was reached" in (out if code == 1 else err)


# -- workers ------------------------------------------------------------------------------------------


def test_too_many_workers_is_refused(capsys):
    code, out, err = cli(capsys, "check", "diehard", "--workers", "100000")
    refused(code, out, err, "workers=100000 is more than this machine can start", "ulimit -n", "Use at most")
    with pytest.raises(SpecError, match="limit on open files"):
        check(DieHard(), workers=100000)


# -- report paths, checked before the search -----------------------------------------------------------


@pytest.mark.parametrize("flag", ["--json", "--markdown", "--itf", "--html"])
def test_check_report_path_is_checked_before_searching(tmp_path, capsys, flag):
    (tmp_path / "a-file").write_text("")
    for path, why in ((tmp_path, "that is a directory"), (tmp_path / "no" / "r.out", "does not exist"),
                      (tmp_path / "a-file" / "r.out", "is not a directory")):
        code, out, err = cli(capsys, "check", "diehard", flag, str(path))
        refused(code, out, err, f"{flag} {path}: ", why)
        assert "distinct states" not in out  # refused before the search, not after it


def test_report_path_that_is_writable_is_not_left_behind(tmp_path, capsys):
    """The check creates and removes a new file: with no counterexample, --itf writes nothing."""
    code, out, _ = cli(capsys, "check", "two-phase", "-c", "rms=2", "--itf", str(tmp_path / "t.itf.json"))
    assert code == 0 and "nothing was written" in out and not (tmp_path / "t.itf.json").exists()


def test_graph_dot_path_is_checked_before_exploring(tmp_path, capsys):
    code, out, err = cli(capsys, "graph", "diehard", "--dot", str(tmp_path))
    refused(code, out, err, f"--dot {tmp_path}: that is a directory")


@pytest.mark.parametrize("flag", ["--junit", "--json", "--markdown"])
def test_ci_report_path_is_checked_before_the_suite(tmp_path, capsys, flag):
    code, out, err = cli(capsys, "ci", os.path.join(ROOT, "models.toml"), "--only", "diehard", flag, str(tmp_path / "x" / "r"))
    refused(code, out, err, f"{flag} {tmp_path / 'x' / 'r'}: the directory {tmp_path / 'x'} does not exist")
    assert "model suite" not in out


# -- nothing to check -----------------------------------------------------------------------------------


@attrs.frozen
class NoInitialState(Spec):
    def init(self):
        return iter(())

    @action
    def up(self, s):
        return None

    @invariant
    def false(self, s):
        return False  # would be violated by any state: 'ok' here would be a lie


@attrs.frozen
class AllConstrainedAway(Spec):
    def init(self):
        yield 5

    @action
    def up(self, s):
        return s + 1

    @constraint
    def below_3(self, s):
        return s < 3


@pytest.mark.parametrize("workers", [1, 2])
def test_init_yielding_nothing_is_an_error(workers):
    r = check(NoInitialState(), workers=workers)
    assert (r.status, r.exit_code, r.distinct_states) == ("error", 2, 0)
    assert r.violation.name == "init" and "init() yielded no state, so nothing was checked" in r.violation.message
    r = check(AllConstrainedAway(), workers=workers)
    assert r.status == "error" and "every initial state fails a @constraint, so nothing was checked" in r.violation.message


def test_init_yielding_nothing_exits_2(capsys):
    code, out, err = cli(capsys, "check", "tests.test_bad_input:NoInitialState")
    assert code == 2 and "ERROR" in out and "nothing was checked" in out and "OK" not in out


# -- sys.exit in the spec -----------------------------------------------------------------------------------


EXITS = '''
import sys
import attrs
from checker import Spec, action

@attrs.frozen
class Exits(Spec):
    how: str = "sys.exit"
    def init(self):
        yield 0
    @action
    def up(self, s):
        if s == 2:
            if self.how == "sys.exit":
                sys.exit(0)
            raise SystemExit(3)
        return s + 1
'''


def test_sys_exit_in_an_action_is_a_spec_error_with_its_trace(tmp_path):
    write(tmp_path, "exits.py", EXITS)
    p = run("check", "exits.py:Exits", cwd=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "Traceback (most recent call last)" not in p.stdout + p.stderr
    assert "action up raised SpecExit: the spec called sys.exit(0)" in p.stdout
    assert "ERROR  error in up after 2 steps" in p.stdout and 'exits.py", line 15, in up' in p.stdout


def test_sys_exit_in_an_action_with_workers(tmp_path, capsys):
    path = write(tmp_path, "exits.py", EXITS)
    code, out, err = cli(capsys, "check", f"{path}:Exits", "--workers", "2")
    assert code == 2 and "ERROR  error in up after 2 steps" in out, out + err
    assert "sys.exit(0)" in out and "Traceback (most recent call last)" not in out + err


def test_raise_system_exit_in_an_action_exits_2_with_a_message(tmp_path, capsys):
    path = write(tmp_path, "exits.py", EXITS)
    code, out, err = cli(capsys, "check", f"{path}:Exits", "-c", "how=raise")
    refused(code, out, err, "The spec raised SystemExit(3) (", "exits.py, line 16, in up)", "not a result")


# -- limits ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0"])
def test_time_limit_must_be_a_positive_finite_number(value, capsys):
    with pytest.raises(SystemExit) as exc:  # argparse's usage error
        main(["check", "diehard", f"--time-limit={value}"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "--time-limit" in err and "Traceback" not in err
    assert "not a number of seconds" in err or "must be positive" in err


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_manifest_time_limit_must_be_finite(value, tmp_path, capsys):
    manifest = write(tmp_path, "models.toml", f'[models.dh]\nspec = "diehard"\ntime_limit = {value}\n')
    code, out, err = cli(capsys, "ci", manifest)
    refused(code, out, err, f"[models.dh] time_limit must be a positive number, got {value}")


# -- manifest messages keep the entry's name ------------------------------------------------------------


@pytest.mark.parametrize("table, words", [
    ('spec = "diehard"\nfoo = 1', "[models.typo] has unknown key(s) foo"),
    ('constants = { goal = 3 }', "[models.typo] needs spec ="),
    ('spec = "diehard"\nexpect = "violated"', "[models.typo] expect must be"),
    ('spec = "diehard"\ndeadlock = "no"', "[models.typo] deadlock must be true or false"),
])
def test_manifest_errors_name_the_entry(table, words, tmp_path, capsys):
    manifest = write(tmp_path, "models.toml", f"[models.typo]\n{table}\n")
    code, out, err = cli(capsys, "ci", manifest)
    refused(code, out, err, words)


def test_broken_manifest_warning_keeps_the_entry_name(tmp_path, capsys, monkeypatch):
    """Checking a bundled spec beside a broken manifest warns, with the entry named."""
    write(tmp_path, "models.toml", '[models.typo]\nspec = "diehard"\nfoo = 1\n')
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "check", "diehard", "--quiet")
    assert code == 1 and "[models.typo] has unknown key(s) foo" in err


# -- the same through the Python API: a result with status 'error', never an escape ----------

@attrs.frozen
class ExitsAtThree(Spec):
    def init(self):
        yield 0

    @action
    def go(self, s):
        if s == 3:
            sys.exit(0)
        return s + 1


def test_sys_exit_in_spec_code_is_an_error_result_through_the_api():
    r = check(ExitsAtThree())
    assert (r.status, r.exit_code, r.violation.name) == ("error", 2, "go")
    assert "the spec called sys.exit(0), which would end the checker" in r.violation.message
    assert [s.state for s in r.violation.trace] == [0, 1, 2, 3]


@attrs.frozen
class GrowsDeep(Spec):
    def init(self):
        yield (0, None)

    @action
    def grow(self, s):
        if s[0] == 2:
            return None
        v = None
        for i in range(100_000):
            v = (i, v)
        return (s[0] + 1, v)


def test_a_value_nested_too_deep_is_an_error_result_through_the_api():
    r = check(GrowsDeep())
    assert (r.status, r.violation.name) == ("error", "state")
    assert r.violation.message.startswith("Python's recursion limit was reached while hashing")
    # met comparing the second deep value with the first (equal hashes): at the step to it
    assert [s.state[0] for s in r.violation.trace] == [0, 1, 2]
