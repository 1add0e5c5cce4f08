"""TARGET strings with bundled model names: the engine's loader knows `module:Class` and
`file.py[:Class]`; the names of the models shipped in `spec/` are resolved here, above the
engine, so that `checker` never imports `spec`."""

from __future__ import annotations

from checker.loader import load_class as _load_class


def bundled() -> dict[str, str]:
    """Bundled model name -> 'module:Class'."""
    from spec import BUNDLED

    return dict(BUNDLED)


def load_class(target: str) -> type:
    """The spec class TARGET names: a bundled name, `package.module:Class` or `path/file.py[:Class]`."""
    return _load_class(target, aliases=bundled())
