"""Turning a TARGET string (`pkg.mod:Class` or `path/file.py[:Class]`) into a spec class.

Short names (the bundled models' `two-phase`, ...) come from the caller as `aliases`:
the engine does not import the models (`protocheck.targets` passes them in)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Mapping

from .errors import SpecError, SpecExit, UsageError, spec_location
from .spec import Spec


def load_class(target: str, aliases: Mapping[str, str] | None = None) -> type:
    """The spec class `target` names; `aliases` maps short names (bundled models) to targets."""
    names = dict(aliases or {})
    if target in names:
        target = names[target]
    if ":" not in target and target.endswith(".py"):
        return _only_spec_in(target)
    module_part, sep, cls_name = target.rpartition(":")
    if not sep or not module_part or not cls_name:
        raise UsageError(
            f"Cannot tell which spec {target!r} means. Give `package.module:Class`, `path/to/file.py[:Class]`, "
            f"or a bundled model name ({', '.join(sorted(names)) or 'none bundled'}); `protocheck list` shows them."
        )
    if module_part.endswith(".py") or os.sep in module_part:
        module = _load_file(module_part)
    else:
        try:
            if os.getcwd() not in sys.path and "" not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (module_part + ".").startswith(exc.name + "."):
                raise import_failure(module_part, exc) from None  # the module exists; something it imports does not
            raise UsageError(
                f"Cannot import module {module_part!r} ({exc}). Check the name, run from the directory that contains "
                "the package, or give a file path such as path/to/spec.py:Class."
            ) from None
        except (Exception, SystemExit) as exc:
            raise import_failure(module_part, exc) from None
    cls = getattr(module, cls_name, None)
    if cls is None:
        specs = [n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, Spec) and v is not Spec]
        raise UsageError(f"{module_part} has no class {cls_name!r}. Spec classes there: {', '.join(specs) or 'none'}.")
    if not (isinstance(cls, type) and issubclass(cls, Spec)):
        raise UsageError(f"{target} is not a spec: subclass checker.Spec and decorate it with @attrs.frozen.")
    return cls


def _only_spec_in(path: str) -> type:
    """The one spec class `path` defines (classes it imports do not count), so that a file
    holding one spec needs no `:Class`; with several, the error lists the targets to give."""
    module = _load_file(path)
    found = [v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, Spec) and v is not Spec and v.__module__ == module.__name__]
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(f"{path} defines no spec class. A spec subclasses checker.Spec and is decorated with @attrs.frozen.")
    choices = ", ".join(f"{path}:{c.__name__}" for c in found)
    raise UsageError(f"{path} defines {len(found)} spec classes; say which one to check: {choices}.")


def _load_file(path: str):
    if not os.path.isfile(path):
        raise UsageError(f"No spec file at {path!r}. Check the path (relative to {os.getcwd()}).")
    name = "protocheck_user_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise import_failure(path, exc) from None
    return module


def import_failure(what: str, exc: BaseException) -> SpecError:
    """Why the spec module `what` could not be imported, as one paragraph: a broken spec is
    bad input (exit 2), not a crash of the checker nor a finding about the model."""
    rerun = f"python {what}" if what.endswith(".py") else f"python -c 'import {what}'"
    if isinstance(exc, SyntaxError):
        line = f": {exc.text.strip()}" if exc.text and exc.text.strip() else ""
        where = os.path.relpath(exc.filename) if exc.filename and not exc.filename.startswith("<") else what
        return UsageError(f"{what} has a syntax error ({exc.msg}) at {where}, line {exc.lineno}{line}. "
                          f"Fix the syntax; `{rerun}` shows the same error.")
    where = spec_location(exc)
    at = f" ({where})" if where else ""
    if isinstance(exc, ModuleNotFoundError):
        return UsageError(
            f"Importing {what} failed: it imports {exc.name!r}{at}, which cannot be found. Install that package, "
            "or run from the directory that makes it importable (a spec file's own directory is on the path)."
        )
    if isinstance(exc, (SystemExit, SpecExit)):
        return SpecError(f"Importing {what} called sys.exit({'' if exc.code is None else repr(exc.code)}){at}. A spec "
                         "module must not end the program when imported: keep command-line code under "
                         "`if __name__ == \"__main__\":`.")
    return SpecError(
        f"Importing {what} raised {type(exc).__name__}: {exc}{at}. A spec module must import without error: fix "
        f"its module-level code (`{rerun}` shows the whole traceback)."
    )
