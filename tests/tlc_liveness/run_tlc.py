"""Re-run TLC on the liveness cases the tests compare with (tests/test_liveness_*.py).

    TLA2TOOLS=/path/to/tla2tools.jar TLA_EXAMPLES=/path/to/tlaplus-Examples \\
        python tests/tlc_liveness/run_tlc.py [CASE-SUBSTRING ...]

Each case is one module, specification, constants and one property (TLC stops at the
first violated property, so each property is its own run). The modules of this folder are
written for these tests; those under ports/ EXTEND the tlaplus/Examples modules, found
under $TLA_EXAMPLES/specifications/. Prints one line per case: TLC's verdict, distinct
states, generated states, depth, and for a violation the counterexample's states and where
its loop goes back to ("back to state k", 1-based as TLC prints it, or "stuttering").
Not a test: TLC (Java) is not a dependency of the project; RESULTS.md keeps the output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (module, specification, constants, property, Examples folders needed)
CASES = {
    "FlickerWeak": ("Flicker", "WeakSpec", {}, "Finishes", []),
    "FlickerStrong": ("Flicker", "StrongSpec", {}, "Finishes", []),
    "ServeWhole-1": ("Serve", "WholeSpec", {}, "Served1", []),
    "ServeWhole-2": ("Serve", "WholeSpec", {}, "Served2", []),
    "ServeEach-1": ("Serve", "EachSpec", {}, "Served1", []),
    "ServeEach-2": ("Serve", "EachSpec", {}, "Served2", []),
    "Idle-started": ("Idle", "Spec", {}, "Started", []),
    "Idle-zero": ("Idle", "Spec", {}, "ZeroIsZero", []),
    "IdleFair-started": ("Idle", "FairSpec", {}, "Started", []),
    "SpinInPlace": ("SpinInPlace", "Spec", {}, "Gone", []),
    "Fork": ("Fork", "Spec", {}, "ReachesTwo", []),
    "SharedStep": ("SharedStep", "Spec", {}, "ReachesTwo", []),
}
for bounce in ("FALSE", "TRUE"):
    for prop in ("ReachesZero", "ZeroOften", "ZeroForever", "TopLeadsToZero", "NegativeLeadsToZero", "Bounded"):
        CASES[f"Countdown-{bounce}-{prop}"] = ("Countdown", "Spec", {"Start": "3", "Bounce": bounce}, prop, [])

CR, RW, EWD, TR, AB = ("chang_roberts", "ReadersWriters", "ewd840", "ewd426", "SpecifyingSystems/TLC")
CASES.update({
    "ChangRoberts-Liveness": ("CRLive", "Spec", {"N": "3"}, "Liveness", [CR]),
    "ChangRoberts-SomeoneWins": ("CRLive", "Spec", {"N": "3"}, "SomeoneWins", [CR]),
    "ChangRoberts-NoFair-Liveness": ("CRLive", "NoFairSpec", {"N": "3"}, "Liveness", [CR]),
    "ReadersWriters-Liveness": ("RWLive", "Spec", {"NumActors": "3"}, "Liveness", [RW]),
    "ReadersWriters-NoStopFair-Reading": ("RWLive", "NoStopFairSpec", {"NumActors": "3"}, "Reading", [RW]),
    "ReadersWriters-NoStopFair-Writing": ("RWLive", "NoStopFairSpec", {"NumActors": "3"}, "Writing", [RW]),
    "ReadersWriters-NoStopFair-NotReading": ("RWLive", "NoStopFairSpec", {"NumActors": "3"}, "NotReading", [RW]),
    "ReadersWriters-NoStopFair-NotWriting": ("RWLive", "NoStopFairSpec", {"NumActors": "3"}, "NotWriting", [RW]),
    "EWD840-Liveness": ("EWDLive", "Spec", {"N": "3"}, "Liveness", [EWD]),
    "EWD840-EventuallyTerminated": ("EWDLive", "Spec", {"N": "3"}, "EventuallyTerminated", [EWD]),
    "TokenRing-6-6-Stab": ("TRLive", "Spec", {"N": "6", "M": "6"}, "Stab", [TR]),
    "TokenRing-4-3-Stab": ("TRLive", "Spec", {"N": "4", "M": "3"}, "Stab", [TR]),
    "TokenRing-4-3-NoFair-Stab": ("TRLive", "NoFairSpec", {"N": "4", "M": "3"}, "Stab", [TR]),
    "AlternatingBit-SentLeadsToRcvd": (
        "ABBounded", "BSpec", {"Data": "{d1, d2}", "msgQLen": "2", "ackQLen": "2"}, "SentLeadsToRcvd", [AB]),
    "AlternatingBit-Weak-SentLeadsToRcvd": (
        "ABBounded", "BWeakSpec", {"Data": "{d1, d2}", "msgQLen": "2", "ackQLen": "2"}, "SentLeadsToRcvd", [AB]),
})


def run(name: str, jar: str, examples: str | None) -> str:
    module, spec, constants, prop, folders = CASES[name]
    with tempfile.TemporaryDirectory() as work:
        for folder in folders:
            if not examples:
                return f"{name}: skipped (set TLA_EXAMPLES)"
            src = os.path.join(examples, "specifications", folder)
            for f in os.listdir(src):
                if f.endswith(".tla"):
                    shutil.copy(os.path.join(src, f), work)
        shutil.copy(os.path.join(HERE, "ports" if folders else "", module + ".tla"), work)
        cfg = [f"SPECIFICATION {spec}", f"PROPERTY {prop}", "CHECK_DEADLOCK FALSE"]
        cfg += [f"CONSTANT {k} = {v}" for k, v in constants.items()]
        if "Data" in constants:
            cfg.append("CONSTANT d1 = d1\nCONSTANT d2 = d2")
        with open(os.path.join(work, "case.cfg"), "w") as f:
            f.write("\n".join(cfg) + "\n")
        out = subprocess.run(["java", "-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC", "-workers", "1", "-cleanup",
                              "-config", "case.cfg", module + ".tla"], cwd=work, capture_output=True, text=True).stdout
    return f"{name}: {summary(out)}"


def summary(out: str) -> str:
    counts = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states found", out)
    depth = re.search(r"depth of the complete state graph search is (\d+)", out)
    counts = counts and [c.replace(",", "") for c in counts.groups()]
    head = f"{counts[1]} distinct / {counts[0]} generated / depth {depth[1] if depth else '?'}" if counts else "?"
    if "No error has been found" in out:
        return f"ok, {head}"
    if "Temporal properties were violated" in out or re.search(r"Temporal property \w+ was violated", out):
        states = re.findall(r"^State (\d+): (?!Stuttering)", out, re.M)
        back = re.search(r"^Back to state (\d+)", out, re.M)
        loop = f"back to state {back[1]}" if back else ("stuttering" if "Stuttering" in out else "?")
        return f"VIOLATED, {head}, counterexample {len(states)} states, {loop}"
    return "ERROR: " + " | ".join(line for line in out.splitlines() if "rror" in line)[:300]


if __name__ == "__main__":
    jar = os.environ.get("TLA2TOOLS", "tla2tools.jar")
    chosen = [n for n in CASES if not sys.argv[1:] or any(a in n for a in sys.argv[1:])]
    for n in chosen:
        print(run(n, jar, os.environ.get("TLA_EXAMPLES")), flush=True)
