"""Turning a TARGET string (`pkg.mod:Class`, `path/file.py[:Class]`, or a bundled name) into a spec class."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

from .errors import UsageError
from .spec import Spec


def bundled() -> dict[str, str]:
    """Bundled model name -> 'module:Class'."""
    from spec import BUNDLED

    return dict(BUNDLED)


def load_class(target: str) -> type:
    names = bundled()
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
            raise UsageError(
                f"Cannot import module {module_part!r} ({exc}). Check the name, run from the directory that contains "
                "the package, or give a file path such as path/to/spec.py:Class."
            ) from None
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
    spec.loader.exec_module(module)
    return module
