"""`--changed-since GIT_REF`: which manifest entries a change can affect.

An entry depends on its spec's module file and on every project module that module uses
(transitively: shared mechanics, invariant predicates), found from the loaded module's
globals rather than by parsing imports, so `from invariants.common import x` counts. A
change under checker/ (the engine) or protocheck/ (the runner that judges every entry)
affects everything; an entry whose manifest table changed (or is new) runs too.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import tomllib
import types

from checker.errors import UsageError
from reports.manifest import Entry

from .targets import load_class

ENGINE_DIRS = ("checker/", "protocheck/")  # protocheck/ holds what was checker/cli.py and the suite runner


def git(root: str, *args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    except FileNotFoundError:
        raise UsageError("--changed-since needs git on the PATH.") from None
    except subprocess.CalledProcessError as exc:
        raise UsageError(f"git {' '.join(args)} failed: {exc.stderr.strip()}") from None
    return out.stdout


def changed_files(root: str, ref: str) -> set[str]:
    """Paths (relative to the repository top) that differ between `ref` and the working tree."""
    return {line.strip() for line in git(root, "diff", "--name-only", ref, "--").splitlines() if line.strip()}


def module_files(module: types.ModuleType, top: str) -> set[str]:
    """Files of `module` and of every module under `top` it uses, transitively, relative to `top`."""
    top = os.path.abspath(top) + os.sep
    seen: set[str] = set()
    todo = [module]
    files: set[str] = set()
    while todo:
        mod = todo.pop()
        if mod.__name__ in seen:
            continue
        seen.add(mod.__name__)
        path = getattr(mod, "__file__", None)
        if not path or not os.path.abspath(path).startswith(top):
            continue
        files.add(os.path.relpath(os.path.abspath(path), top))
        for value in vars(mod).values():
            dep = value if isinstance(value, types.ModuleType) else sys.modules.get(getattr(value, "__module__", "") or "")
            if dep is not None and dep.__name__ not in seen:
                todo.append(dep)
    return files


def entry_files(entry: Entry, top: str) -> set[str]:
    cls = load_class(entry.spec)
    return module_files(inspect.getmodule(cls), top)


def select_changed(entries: dict[str, Entry], manifest_path: str, ref: str) -> tuple[list[Entry], str]:
    """The entries to run for a change since `ref`, and a one-line explanation."""
    root = os.path.dirname(os.path.abspath(manifest_path))
    top = git(root, "rev-parse", "--show-toplevel").strip()
    changed = changed_files(top, ref)
    engine = sorted(p for p in changed if p.startswith(ENGINE_DIRS))
    if engine:
        return list(entries.values()), f"the engine changed ({engine[0]}{' …' if len(engine) > 1 else ''}): running everything"
    old_tables = _manifest_at(top, ref, os.path.relpath(os.path.abspath(manifest_path), top))
    chosen = []
    for entry in entries.values():
        try:
            files = entry_files(entry, top)
        except Exception:  # cannot even load it: run it, so the suite reports why
            files = changed
        if old_tables.get(entry.name) != entry.raw or files & changed:
            chosen.append(entry)
    return chosen, f"{len(changed)} file(s) changed since {ref}: {len(chosen)} of {len(entries)} entries affected"


def _manifest_at(top: str, ref: str, relpath: str) -> dict:
    try:
        text = subprocess.run(["git", "show", f"{ref}:{relpath}"], cwd=top, capture_output=True, text=True, check=True).stdout
        return tomllib.loads(text).get("models", {})
    except (subprocess.CalledProcessError, tomllib.TOMLDecodeError):
        return {}  # no manifest at that commit: every entry is new
