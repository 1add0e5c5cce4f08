"""Check the brute-force oracle itself against TLC on the random cases of
tests/test_liveness_random.py: each case is written as a TLA+ module and TLC's verdict is
compared with the oracle's.

    TLA2TOOLS=/path/to/tla2tools.jar python tests/tlc_liveness/random_vs_tlc.py [SEED ...]

Prints one line per disagreement and a tally per seed. Not a test (TLC is Java, not a
dependency); RESULTS.md keeps the last output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from liveness_oracle import oracle_verdicts  # noqa: E402
from test_liveness_random import CLASSES, batch  # noqa: E402

FORMULA = {"ev": "<>P", "inf": "[]<>P", "stab": "<>[]P", "lt": "T ~> P"}


def seq(values) -> str:
    return "<<" + ", ".join(str(v) for v in values) + ">>"


def tla_module(spec, prop: str) -> str:
    fa, ea, fb = next(k for k, c in CLASSES.items() if c is type(spec))
    k, j = len(spec.a_moves), len(spec.c_moves)
    fair = []
    if fa:
        f = "WF_x" if fa == "weak" else "SF_x"
        fair.append(f"\\A k \\in 0..{k - 1} : {f}(A(k))" if ea else f"{f}(\\E k \\in 0..{k - 1} : A(k))")
    if fb:
        fair.append(f"{'WF_x' if fb == 'weak' else 'SF_x'}(B)")
    nxt = [f"(\\E k \\in 0..{k - 1} : A(k))", "B"] + ([f"(\\E j \\in 0..{j - 1} : C(j))"] if j else [])
    lines = [
        "---- MODULE R ----", "EXTENDS Integers", "VARIABLE x",
        f"AM == {seq(seq(t) for t in spec.a_moves)}",
        f"BM == {seq(spec.b_moves)}",
        f"CM == {seq(seq(t) for t in spec.c_moves)}" if j else "",
        "A(k) == AM[k + 1][x + 1] # -1 /\\ x' = AM[k + 1][x + 1]",
        "B == BM[x + 1] # -1 /\\ x' = BM[x + 1]",
        "C(j) == CM[j + 1][x + 1] # -1 /\\ x' = CM[j + 1][x + 1]" if j else "",
        f"Init == x \\in {{{', '.join(map(str, spec.inits))}}}",
        "Next == " + " \\/ ".join(nxt),
        "Spec == " + " /\\ ".join(["Init", "[][Next]_x"] + fair),
        f"P == x \\in {{{', '.join(map(str, sorted(spec.p_set)))}}}",
        f"T == x \\in {{{', '.join(map(str, sorted(spec.t_set)))}}}",
        f"Prop == {FORMULA[prop]}",
        "====",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def tlc_holds(spec, prop: str, jar: str) -> bool:
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "R.tla"), "w") as f:
            f.write(tla_module(spec, prop))
        with open(os.path.join(work, "R.cfg"), "w") as f:
            f.write("SPECIFICATION Spec\nPROPERTY Prop\nCHECK_DEADLOCK FALSE\n")
        out = subprocess.run(["java", "-cp", jar, "tlc2.TLC", "-workers", "1", "-config", "R.cfg", "R.tla"],
                             cwd=work, capture_output=True, text=True).stdout
    if "No error has been found" in out:
        return True
    if "was violated" in out or "Temporal properties were violated" in out:
        return False
    raise RuntimeError(f"TLC gave no verdict:\n{tla_module(spec, prop)}\n{out[-2000:]}")


if __name__ == "__main__":
    jar = os.environ.get("TLA2TOOLS", "tla2tools.jar")
    for seed in [int(a) for a in sys.argv[1:]] or [1, 2, 3, 4]:
        agree = 0
        for i, (spec, prop, _) in enumerate(batch(seed)):
            mine, tlc = oracle_verdicts(spec)[prop], tlc_holds(spec, prop, jar)
            if mine == tlc:
                agree += 1
            else:
                print(f"seed {seed} case {i}: oracle {'holds' if mine else 'violated'}, TLC "
                      f"{'holds' if tlc else 'violated'}\n{tla_module(spec, prop)}", flush=True)
        print(f"seed {seed}: oracle and TLC agree on {agree} of 50 cases", flush=True)
