"""Errors a user can act on. Each message is one paragraph naming the problem and the fix."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from typing import Any, Iterator

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


class SpecError(Exception):
    """The spec or its configuration is unusable as given (bad constant, unknown invariant, ...)."""


class UsageError(SpecError):
    """The command line or the call is malformed (bad target, bad -c value, ...)."""


class SpecExit(Exception):
    """sys.exit() called by the spec's code while the CLI runs it. An ordinary exception, so
    that the search reports it like any other (status 'error', the trace, the spec's frames)
    instead of the program ending quietly with the spec's exit code, which CI would trust."""

    def __init__(self, code: Any):
        self.code = code
        super().__init__(
            f"the spec called sys.exit({'' if code is None else repr(code)}), which would end the checker as if "
            "the check had finished; a spec reports a problem by raising an exception or returning fail('reason')"
        )


@contextlib.contextmanager
def exit_is_an_error() -> Iterator[None]:
    """While the block runs, sys.exit() raises SpecExit (forked workers inherit this)."""
    original = sys.exit

    def spec_exit(code: Any = None) -> None:
        raise SpecExit(code)

    sys.exit = spec_exit
    try:
        yield
    finally:
        sys.exit = original


def spec_location(exc: BaseException) -> str:
    """'file.py, line N, in fn' of the innermost frame outside the checker, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not os.path.abspath(f.filename).startswith(_ENGINE_DIR)]
    if not frames:
        return ""
    f = frames[-1]
    return f"{os.path.relpath(f.filename) if not f.filename.startswith('<') else f.filename}, line {f.lineno}, in {f.name}"


DEEP_VALUE = (
    "Python's recursion limit was reached while hashing, comparing, scanning, sending or printing a state: a state holds "
    "a value nested more than about 1,000 levels deep (a list built as nested pairs, say). Store such structures "
    "flat — a tuple of items, not items nested in items — so that a state can be fingerprinted and shown."
)
