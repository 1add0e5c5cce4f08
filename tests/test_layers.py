"""Layers point one way: spec -> checker -> result -> reports, with `protocheck` (the
command line and the suite runner) on top. An engine module that imported the bundled
models or the report writers would make the engine depend on what sits above it."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys

import checker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINE_MODULES = sorted(f"checker.{m.name}" for m in pkgutil.iter_modules(checker.__path__) if m.name != "__main__")


OURS = ("checker", "protocheck", "reports", "spec", "invariants")

# One interpreter for all modules (a fresh one each costs a second): before each import,
# every module of this project is dropped from sys.modules, so each import starts clean.
PROBE = """
import importlib, json, sys
out = {}
for module in sys.argv[1:]:
    for name in [n for n in sys.modules if n.split('.')[0] in %r]:
        del sys.modules[name]
    importlib.import_module(module)
    out[module] = sorted({n.split('.')[0] for n in sys.modules} & set(%r))
print(json.dumps(out))
""" % (OURS, OURS)


def loaded_after_import(*modules: str) -> dict[str, set[str]]:
    """For each module: this project's top-level packages in sys.modules after importing it."""
    p = subprocess.run([sys.executable, "-c", PROBE, *modules], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return {m: set(v) for m, v in json.loads(p.stdout).items()}


def test_the_engine_modules_are_all_listed():
    assert {"checker.search", "checker.successors", "checker.loader", "checker.parallel"} <= set(ENGINE_MODULES)


def test_engine_modules_import_neither_models_nor_reports():
    loaded = loaded_after_import("checker", *ENGINE_MODULES)
    assert {m: sorted(p) for m, p in loaded.items() if p != {"checker"}} == {}


def test_reports_import_neither_the_runner_nor_the_models():
    reports = sorted(f"reports.{m.name}" for m in pkgutil.iter_modules([os.path.join(ROOT, "reports")]))
    assert "reports.suite" in reports
    loaded = loaded_after_import(*reports)
    assert {m: sorted(p) for m, p in loaded.items() if p - {"checker", "reports"}} == {}


def test_the_probe_sees_an_upward_import():
    """The suite runner sits on the engine and the reports: the probe must notice that, and
    must not carry one module's imports over to the next."""
    loaded = loaded_after_import("protocheck.suite", "checker.bloom")
    assert loaded == {"protocheck.suite": {"checker", "protocheck", "reports"}, "checker.bloom": {"checker"}}


def test_python_dash_m_protocheck_and_its_checker_alias_run_the_same_program(tmp_path):
    outs = []
    for package in ("protocheck", "checker"):
        p = subprocess.run([sys.executable, "-m", package, "check", "diehard", "--quiet"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 1, p.stderr  # diehard's big jug reaches 4 gallons: a violation
        outs.append(p.stdout.replace(" in 0.", "").split("\n")[0])
    assert outs[0] == outs[1]


def test_the_one_process_search_does_not_import_the_parallel_engine():
    """Successor order lives in checker/successors.py, so the one-process search, diagnosis,
    the symmetry check and the state graph need none of the parallel modules."""
    code = ("import sys, checker, checker.search, checker.settle, checker.diagnose, checker.symmetry, reports.graph; "
            "print(sorted(n for n in sys.modules if n.startswith('checker.parallel')))")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"
