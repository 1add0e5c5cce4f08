"""Checking report paths before a search, so that a typo in `--json` is found in a second,
not after an hour of search (and not as exit 1, which CI reads as a bug found)."""

from __future__ import annotations

import os
from typing import Iterable

from checker.errors import UsageError


def check_writable(flag: str, path: str) -> None:
    """Raise UsageError unless a file can be written at `path`. Tries it for real (an
    existing file is opened for appending, a new one created and removed), because
    permission bits do not tell the whole story (root, read-only file systems)."""
    def refuse(why: str) -> UsageError:
        return UsageError(f"{flag} {path}: {why}. Give the path of a file in a directory that exists and that you can write to.")

    if os.path.isdir(path):
        raise refuse("that is a directory, not a file")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise refuse(f"the directory {parent} does not exist" if not os.path.exists(parent) else f"{parent} is not a directory")
    existed = os.path.exists(path)
    try:
        with open(path, "a"):
            pass
    except OSError as exc:
        raise refuse(f"cannot write there ({exc.strerror or exc})") from None
    if not existed:
        os.remove(path)


def check_outputs(paths: Iterable[tuple[str, str | None]]) -> None:
    """check_writable for each (flag, path) given (None: the flag was not used)."""
    for flag, path in paths:
        if path:
            check_writable(flag, path)
