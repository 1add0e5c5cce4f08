"""The README's quickstart runs as printed: the spec, the CLI output it shows, the figures it quotes."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


def quickstart_source() -> str:
    return re.search(r"```python\n# jugs.py\n(.*?)```", README, re.S).group(1)


def test_quickstart_spec_gives_the_quoted_result():
    from checker import check

    ns: dict = {}
    exec(compile(quickstart_source(), "jugs.py", "exec"), ns)
    r = check(ns["DieHard"]())
    assert "# ('violation', 13, 67, 7)" in README
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("violation", 13, 67, 7)
    assert r.violation.message == "the big jug holds 4"


def test_quickstart_cli_prints_the_quoted_trace(tmp_path):
    (tmp_path / "jugs.py").write_text(quickstart_source())
    env = dict(os.environ, PYTHONPATH=ROOT, COLUMNS="120")
    p = subprocess.run([sys.executable, "-m", "checker", "check", "jugs.py"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    for line in ("Invariant big_is_not_goal is violated — counterexample of 7 states (6 steps):",
                 "  1  fill_big", "       big: 0 → 5", "  6  big_to_small", "       big: 5 → 4",
                 "  ✗ Invariant big_is_not_goal is violated: the big jug holds 4",
                 "VIOLATION  invariant big_is_not_goal violated after 6 steps"):
        assert line in README and line in p.stdout, line
