"""The command line's liveness flags: `check --property NAME` (repeatable) and
`--no-liveness`, a manifest entry's `properties` / `liveness` / `symmetry`, and how `list`
shows properties and fairness.

Why here and not in cli.py: the flags are checked against the spec before the search (an
unknown name is one paragraph listing the spec's properties, exit 2, rather than a search
that ends in an engine error), and kept apart from the other subcommands' code.
"""

from __future__ import annotations

import argparse
from typing import Any

from checker.errors import UsageError
from checker.spec import describe


def add_liveness_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--property", action="append", default=None, metavar="NAME",
                   help="check only this liveness property (repeatable; default: every one the spec declares)")
    p.add_argument("--no-liveness", action="store_true", help="check no liveness property (safety only)")


def liveness_options(args: argparse.Namespace) -> dict[str, Any]:
    """--property / --no-liveness as check()'s properties= and liveness= (absent flags: the defaults)."""
    return {"properties": getattr(args, "property", None), "liveness": not getattr(args, "no_liveness", False)}


def check_property_flags(spec: Any, args: argparse.Namespace) -> None:
    """Refuse --property names the spec does not declare (and --property with --no-liveness)
    before the search, in one paragraph that lists what can be named."""
    names = getattr(args, "property", None)
    if names is None:
        return
    if getattr(args, "no_liveness", False):
        raise UsageError(f"--property {' '.join(names)} and --no-liveness contradict each other: --property selects "
                         "liveness properties to check, --no-liveness checks none. Drop one of them.")
    declared = describe(type(spec)).properties
    unknown = [n for n in names if n not in declared]
    if not unknown:
        return
    cls = type(spec).__name__
    flags = ", ".join(f"--property {n}" for n in unknown)
    if not declared:
        raise UsageError(f"{flags}: {cls} declares no liveness property (@eventually, @always_eventually, "
                         "@eventually_always or @leads_to), so there is nothing to select. Leave --property out, or "
                         "declare the property in the spec.")
    raise UsageError(f"{flags}: {cls} has no liveness property named {unknown[0]!r}. Its properties are: "
                     f"{', '.join(property_summary(p) for p in declared.values())}. Name one of those (the name "
                     "without parameters, as declared), or leave --property out to check them all.")


def property_summary(prop: Any) -> str:
    """`served(c) (T ~> P)`: a property's name, parameters and form, as `list` and errors show it."""
    from checker.properties import FORMS

    params = f"({', '.join(prop.params)})" if prop.params else ""
    return f"{prop.name}{params} ({FORMS[prop.form]})"


def fairness_summary(act: Any) -> str:
    """` — WF per instance`: an action's fairness as `list` shows it ('' when it has none)."""
    if act.fair is None:
        return ""
    kind = {"weak": "WF", "strong": "SF"}[act.fair]
    return f" — {kind}{' per instance' if act.each else ''}"


def apply_entry_liveness(entry: Any, args: argparse.Namespace) -> None:
    """A manifest entry's properties / liveness / symmetry settings, unless the command line
    gave its own (--property, --no-liveness, --no-symmetry)."""
    if args.property is None and not args.no_liveness:
        if entry.properties is not None:
            args.property = list(entry.properties)
        args.no_liveness = not entry.liveness
    args.no_symmetry = args.no_symmetry or not entry.symmetry
