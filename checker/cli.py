"""The `protocheck` command line. Exit codes: 0 ok; 1 invariant violation or deadlock;
2 spec error or bad usage; 3 incomplete (a limit cut the search short); 130 interrupted."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import attrs
from rich.console import Console

from .constants import describe_type, parse_assignments
from .errors import SpecError
from .loader import bundled, load_class
from .search import check
from .spec import describe

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="protocheck", description="Explicit-state model checker for protocol specs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="check one spec exhaustively")
    p.add_argument("target", metavar="TARGET", help="package.module:Class, path/to/file.py:Class, or a bundled model name")
    add_search_arguments(p)
    add_output_arguments(p)
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("list", help="list the bundled specs with their constants, actions and invariants")
    p.set_defaults(handler=cmd_list)
    return parser


def add_search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--constant", action="append", default=[], metavar="NAME=VALUE", help="set a constant (repeatable)")
    p.add_argument("--invariant", action="append", default=None, metavar="NAME", help="check only this invariant (repeatable)")
    p.add_argument("--no-deadlock", action="store_true", help="do not report states without successors")
    p.add_argument("--max-states", type=_positive_int, metavar="N")
    p.add_argument("--max-depth", type=_positive_int, metavar="N")
    p.add_argument("--time-limit", type=_positive_float, metavar="SECONDS")
    p.add_argument("--continue", dest="keep_going", action="store_true", help="keep exploring after a violation; one trace per invariant")


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="PATH", help="write the whole result as JSON (schema protocheck.result/1)")
    p.add_argument("--full", action="store_true", help="show whole states in traces, not only what changed")
    p.add_argument("--quiet", action="store_true", help="print only the verdict and any trace")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def make_spec(target: str, assignments: list[str]) -> Any:
    cls = load_class(target)
    describe(cls)
    return cls(**parse_assignments(cls, assignments))


def run_check(spec: Any, args: argparse.Namespace, console: Console):
    from reports.progress import Progress

    with Progress(console, enabled=not args.quiet) as progress:
        return check(
            spec,
            deadlock=not args.no_deadlock,
            invariants=args.invariant,
            max_states=args.max_states,
            max_depth=args.max_depth,
            time_limit=args.time_limit,
            stop_on_first=not args.keep_going,
            progress=progress,
            progress_interval=progress.interval,
        )


def write_outputs(result, args: argparse.Namespace) -> None:
    from reports.json_report import write_json

    if args.json:
        write_json(result, args.json)


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from reports.terminal import print_result

    spec = make_spec(args.target, args.constant)
    result = run_check(spec, args, console)
    print_result(result, console, full=args.full, quiet=args.quiet)
    write_outputs(result, args)
    return result.exit_code


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    table = Table(title="bundled specs", show_lines=True)
    for col in ("name", "class", "constants (default)", "actions", "invariants"):
        table.add_column(col)
    for name, target in sorted(bundled().items()):
        try:
            cls = load_class(target)
            info = describe(cls)
        except Exception as exc:  # one broken module must not hide the others
            table.add_row(name, target, f"[red]cannot load: {exc}[/red]", "", "")
            continue
        consts = "\n".join(
            f"{f.name}: {describe_type(f.type)} = {f.default!r}" if f.default is not attrs.NOTHING else f"{f.name}: {describe_type(f.type)}"
            for f in attrs.fields(cls)
        )
        table.add_row(name, target, consts, "\n".join(a.name for a in info.actions), "\n".join(info.invariants))
    console.print(table)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    try:
        return args.handler(args, console)
    except SpecError as exc:
        Console(stderr=True, highlight=False).print(f"[bold red]error:[/bold red] {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def entry() -> None:
    """Console-script entry. Fixes PYTHONHASHSEED (re-executing once if it is unset) so that
    fingerprints — Python's hash of the state — are the same in every run, not only the counts."""
    if os.environ.get("PYTHONHASHSEED") is None and not os.environ.get("PROTOCHECK_NO_REEXEC"):
        env = dict(os.environ, PYTHONHASHSEED="0")
        try:
            os.execve(sys.executable, [sys.executable, "-m", "checker", *sys.argv[1:]], env)
        except OSError:
            pass  # cannot re-exec: carry on; counts and traces are deterministic regardless
    sys.exit(main())
