"""The `protocheck` command line. Exit codes of `check`: 0 ok; 1 invariant violation,
liveness violation or deadlock; 2 spec error or bad usage; 3 incomplete (a limit cut the search short); 130
interrupted. `simulate` exits 1 on a violation or deadlock, 2 on an error, 0 when it found
none (not a proof), 130 when interrupted. `ci` exits 0 when every manifest entry has its expected outcome, 1 when any
differs, 2 on a bad manifest or usage. `graph` exits 0, or 2 when it refuses."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import attrs
from rich.console import Console
from rich.markup import escape

from checker.constants import describe_constant, instantiate, parse_assignments
from checker.errors import DEEP_VALUE, SpecError, SpecExit, UsageError, exit_is_an_error, spec_location
from checker.options import Options, limit_problem
from checker.search import check
from checker.spec import describe

from .liveness_flags import (add_liveness_arguments, apply_entry_liveness, check_property_flags, fairness_summary,
                             liveness_options, property_summary)
from .targets import bundled, load_class

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="protocheck", description="Explicit-state model checker for protocol specs.")
    add_version_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="check one spec exhaustively")
    p.add_argument("target", metavar="TARGET",
                   help="a models.toml entry name, a bundled model name, package.module:Class, or path/to/file.py:Class")
    add_search_arguments(p)
    add_liveness_arguments(p)
    add_output_arguments(p)
    p.add_argument("--manifest", metavar="PATH", help="the manifest to look TARGET up in (default: models.toml here or above)")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("ci", help="run the model suite (models.toml) and fail if any outcome differs from its expectation")
    p.add_argument("manifest", metavar="MANIFEST", nargs="?", help="path of the manifest (default: models.toml here or above)")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this entry (repeatable)")
    p.add_argument("--changed-since", metavar="GIT_REF", help="run only the entries a change since GIT_REF can affect")
    p.add_argument("--junit", metavar="PATH", help="write JUnit XML (one test case per model)")
    p.add_argument("--json", metavar="PATH", help="write the suite's results as JSON (schema protocheck.suite/1)")
    p.add_argument("--markdown", metavar="PATH", help="write the table and the failing traces as Markdown")
    p.add_argument("--no-times", action="store_true", help="leave seconds out of the table (for byte-identical reruns)")
    p.add_argument("--quiet", action="store_true", help="print only the table and any failure")
    p.set_defaults(handler=cmd_ci)

    p = sub.add_parser("graph", help="export the state graph of a small model as Graphviz DOT")
    p.add_argument("target", metavar="TARGET", help="as for check")
    p.add_argument("--dot", metavar="PATH", required=True, help="where to write the DOT file")
    p.add_argument("-c", "--constant", action="append", default=[], metavar="NAME=VALUE", help="set a constant (repeatable)")
    p.add_argument("--invariant", action="append", default=None, metavar="NAME", help="colour only this invariant's bad states (repeatable)")
    p.add_argument("--max-nodes", type=_positive_int, default=None, metavar="N", help="refuse above N states (default 300)")
    p.add_argument("--manifest", metavar="PATH", help="the manifest to look TARGET up in")
    p.set_defaults(handler=cmd_graph)

    from .simulate_cmd import add_simulate_parser  # random walks: protocheck/simulate_cmd.py

    add_simulate_parser(sub)

    p = sub.add_parser("list", help="list the bundled specs (constants, actions and their fairness, invariants, "
                                    "liveness properties) and the models.toml entries")
    p.add_argument("--manifest", metavar="PATH", help="the manifest whose entries to list (default: models.toml here or above)")
    p.set_defaults(handler=cmd_list)
    return parser


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    """`protocheck --version`: the installed distribution's version, else the package's."""
    from . import __version__

    try:
        from importlib.metadata import PackageNotFoundError, version

        installed = version("protocheck")
    except PackageNotFoundError:
        installed = __version__
    parser.add_argument("--version", action="version", version=f"protocheck {installed} (Python {sys.version.split()[0]})")


def add_search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--constant", action="append", default=[], metavar="NAME=VALUE", help="set a constant (repeatable)")
    p.add_argument("--invariant", action="append", default=None, metavar="NAME", help="check only this invariant (repeatable)")
    p.add_argument("--no-deadlock", action="store_true", help="do not report states without successors")
    p.add_argument("--max-states", type=_positive_int, metavar="N")
    p.add_argument("--max-depth", type=_positive_int, metavar="N")
    p.add_argument("--time-limit", type=_positive_float, metavar="SECONDS")
    p.add_argument("--continue", dest="keep_going", action="store_true", help="keep exploring after a violation; one trace per invariant")
    p.add_argument("--no-symmetry", action="store_true", help="ignore a symmetry the spec declares (explore every state)")
    p.add_argument("--reduction", action="store_true",
                   help="partial-order reduction: explore one order of the steps the spec declares independent "
                        "(reads=/writes= footprints; docs/reduction.md); invariants and deadlocks only")
    p.add_argument("--workers", type=_workers, default=1, metavar="N|auto",
                   help="search in N processes that split the visited set (auto: one per core); same results as 1")


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="PATH", help="write the whole result as JSON (schema protocheck.result/1)")
    p.add_argument("--itf", metavar="PATH", help="write the counterexample in the Informal Trace Format (Apalache, Quint)")
    p.add_argument("--markdown", metavar="PATH", help="write the verdict and counterexample as Markdown (for a pull request)")
    p.add_argument("--html", metavar="PATH", help="write a self-contained HTML page with the trace and a sequence diagram")
    p.add_argument("--full", action="store_true", help="show whole states in traces, not only what changed")
    p.add_argument("--quiet", action="store_true", help="print only the verdict and any trace")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    problem = limit_problem(value)  # the rule check() applies (options.py), worded for the flag
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return value


def _workers(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (a positive whole number, or 'auto')") from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    problem = limit_problem(value)  # the rule check() applies (options.py), worded for the flag
    if problem == "is not finite":
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds: give a positive number, or leave the flag out for no limit")
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return value


def make_spec(target: str, assignments: list[str]) -> Any:
    cls = load_class(target)
    describe(cls)
    return instantiate(cls, parse_assignments(cls, assignments))


def search_options(args: argparse.Namespace) -> Options:
    """The search the flags ask for (checked by Options: a bad value is a one-paragraph error)."""
    return Options(deadlock=not args.no_deadlock, invariants=args.invariant, max_states=args.max_states,
                   max_depth=args.max_depth, time_limit=args.time_limit, stop_on_first=not args.keep_going,
                   symmetry=not args.no_symmetry, workers=args.workers, reduction=args.reduction,
                   **liveness_options(args))


def run_check(spec: Any, args: argparse.Namespace, console: Console):
    from reports.progress import Progress

    options = search_options(args)
    with Progress(console, enabled=not args.quiet) as progress:
        return check(spec, options=attrs.evolve(options, progress=progress, progress_interval=progress.interval))


def write_outputs(result, args: argparse.Namespace, spec: Any = None, title: str = "", console: Console | None = None) -> None:
    from reports.json_report import write_json

    if args.json:
        write_json(result, args.json)
    if getattr(args, "itf", None):
        from reports.itf import write_itf

        if not write_itf(result, args.itf, source=title) and console is not None:
            console.print(f"--itf: no counterexample, so nothing was written to {escape(args.itf)}")
    if getattr(args, "markdown", None):
        from reports.markdown import result_markdown, write_text

        write_text(result_markdown(result, title, full=args.full), args.markdown)
    if getattr(args, "html", None):
        from reports.html import write_html

        write_html(result, args.html, spec, title, full=args.full)


def resolve_entry(target: str, manifest: str | None):
    """The manifest entry named `target`, or None (then TARGET is a bundled name or module:Class)."""
    from reports.manifest import find_manifest, load_manifest

    if ":" in target:
        return None
    path = manifest or find_manifest()
    if path is None:
        return None
    try:
        return load_manifest(path).get(target)
    except UsageError as exc:
        if manifest is None and target in bundled():  # a broken manifest must not block checking a bundled spec
            Console(stderr=True, highlight=False).print(f"[yellow]warning:[/yellow] ignoring {escape(f'{path}: {exc}')}")
            return None
        raise


def spec_for(args: argparse.Namespace):
    """(spec, entry or None): a manifest entry's spec with -c overrides, else TARGET's."""
    from .suite import build_spec

    entry = resolve_entry(args.target, args.manifest)
    if entry is None:
        return make_spec(args.target, args.constant), None
    cls = load_class(entry.spec)
    return build_spec(entry, parse_assignments(cls, args.constant)), entry


def check_output_flags(args: argparse.Namespace, flags: tuple[str, ...]) -> None:
    """Refuse unwritable report paths before the search, not after it."""
    from reports.output_paths import check_outputs

    check_outputs((f"--{flag}", getattr(args, flag, None)) for flag in flags)


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from reports.terminal import print_result

    check_output_flags(args, ("json", "itf", "markdown", "html"))
    spec, entry = spec_for(args)
    if entry is not None:  # the entry's settings, unless the command line says otherwise
        if args.invariant is None and entry.invariants is not None:
            args.invariant = list(entry.invariants)
        args.no_deadlock = args.no_deadlock or not entry.deadlock
        for key in ("max_states", "max_depth", "time_limit"):
            if getattr(args, key) is None:
                setattr(args, key, getattr(entry, key))
        apply_entry_liveness(entry, args)
    check_property_flags(spec, args)
    result = run_check(spec, args, console)
    print_result(result, console, full=args.full, quiet=args.quiet, continued=args.keep_going)
    if entry is not None:
        from .suite import judge

        outcome = judge(entry, result)
        style = "green" if outcome.passed else "bold red"
        console.print(f"[{style}]" + escape(f"manifest entry {entry.name} expects {entry.expect.describe()}: "
                      f"{'as expected' if outcome.passed else 'DIFFERS — ' + outcome.detail}") + f"[/{style}]")
    write_outputs(result, args, spec, entry.name if entry else args.target, console)
    return result.exit_code


def cmd_ci(args: argparse.Namespace, console: Console) -> int:
    from reports.manifest import find_manifest, load_manifest
    from .suite import run_suite
    from reports.terminal import print_suite

    check_output_flags(args, ("junit", "json", "markdown"))
    path = args.manifest or find_manifest()
    if path is None:
        raise UsageError("No models.toml here or in a parent directory. Give the manifest's path: protocheck ci path/to/models.toml.")
    entries = load_manifest(path)
    unknown = [n for n in args.only if n not in entries]
    if unknown:
        raise UsageError(f"--only {', '.join(unknown)}: no such entry in {path}. Entries: {', '.join(entries)}.")
    chosen = [entries[n] for n in entries if n in args.only] if args.only else list(entries.values())
    selection = f"--only {' '.join(args.only)}" if args.only else "all entries"
    if args.changed_since:
        from .changes import select_changed

        affected, selection = select_changed({e.name: e for e in chosen}, path, args.changed_since)
        chosen = affected
        console.print(escape(selection))
    total = len(chosen)

    def done(o) -> None:
        if not args.quiet:
            mark = "[green]pass[/green]" if o.passed else "[bold red]FAIL[/bold red]"
            secs = "" if args.no_times else f" ({o.seconds:.2f}s)"
            console.print(escape(f"[{len(outcomes_seen) + 1}/{total}] {o.entry.name}: {o.got}") + f" {mark}{secs}")
        outcomes_seen.append(o)

    outcomes_seen: list = []
    outcomes = run_suite(chosen, on_done=done)
    print_suite(outcomes, console, times=not args.no_times)
    if not args.only and not args.changed_since and not args.quiet:
        from .suite import unexercised

        for hint in unexercised(entries.values(), bundled()):
            console.print(f"[yellow]note: {escape(hint)}[/yellow]")
    if args.junit:
        from reports.junit import write_junit

        write_junit(outcomes, args.junit)
    if args.json:
        from reports.json_report import write_suite_json

        write_suite_json(outcomes, args.json, manifest=path, selection=selection)
    if args.markdown:
        from reports.markdown import suite_markdown, write_text

        write_text(suite_markdown(outcomes, times=not args.no_times), args.markdown)
    return 0 if all(o.passed for o in outcomes) else 1


def cmd_graph(args: argparse.Namespace, console: Console) -> int:
    from reports.graph import DEFAULT_MAX_NODES, highlight, state_graph, write_dot

    check_output_flags(args, ("dot",))
    spec, entry = spec_for(args)
    invariants = args.invariant if args.invariant is not None else (list(entry.invariants) if entry and entry.invariants else None)
    g = state_graph(spec, args.max_nodes or DEFAULT_MAX_NODES, invariants)
    result = check(spec, options=Options(deadlock=not (entry and not entry.deadlock), invariants=invariants,
                                         liveness=False))  # the graph colours the states that break invariants
    path = highlight(g, spec, result.violation)
    write_dot(g, args.dot, name=entry.name if entry else type(spec).__name__)
    what = f"; counterexample of {len(path)} state{'s' if len(path) != 1 else ''} in red" if path else ""
    console.print(f"wrote {escape(args.dot)}: {g.number_of_nodes()} states, {g.number_of_edges()} transitions{what}")
    return 0


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    table = Table(title="bundled specs", show_lines=True)
    for col in ("name", "class", "constants (default)", "actions (fairness)", "invariants", "liveness properties"):
        table.add_column(col)
    for name, target in sorted(bundled().items()):
        try:
            cls = load_class(target)
            info = describe(cls)
        except Exception as exc:  # one broken module must not hide the others
            table.add_row(name, target, f"[red]cannot load: {escape(str(exc))}[/red]", "", "", "")
            continue
        consts = "\n".join(
            f"{f.name}: {describe_constant(cls, f.name)} = {f.default!r}" if f.default is not attrs.NOTHING else f"{f.name}: {describe_constant(cls, f.name)}"
            for f in attrs.fields(cls)
        )
        table.add_row(name, target, consts, escape("\n".join(a.name + fairness_summary(a) for a in info.actions)),
                      "\n".join(info.invariants), escape("\n".join(property_summary(p) for p in info.properties.values())))
    console.print(table)
    print_manifest_entries(args.manifest, console)
    return 0


def print_manifest_entries(manifest: str | None, console: Console) -> None:
    """The entries `check NAME` accepts besides the bundled names: the manifest's, with
    the spec, constants and expected outcome of each."""
    from rich.table import Table

    from reports.manifest import find_manifest, load_manifest
    from reports.values import show

    path = manifest or find_manifest()
    if path is None:
        console.print("no models.toml here or above: `protocheck check NAME` accepts the bundled names only")
        return
    try:
        entries = load_manifest(path)
    except UsageError as exc:  # the bundled specs above are still listed
        from rich.markup import escape

        console.print(f"[yellow]warning:[/yellow] cannot list the entries of {escape(path)}: {escape(str(exc))}", soft_wrap=True)
        return
    table = Table(title=f"models.toml entries ({path}): protocheck check NAME", title_justify="left")
    for col in ("name", "spec", "constants", "expected"):
        table.add_column(col)
    for e in entries.values():
        table.add_row(e.name, e.spec, " ".join(f"{k}={show(v)}" for k, v in e.constants.items()), e.expect.describe())
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, width=220)  # CI logs: no wrapping of tables and traces at 80 columns
    try:
        with exit_is_an_error():
            return args.handler(args, console)
    except SpecError as exc:
        print_error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except (SpecExit, SystemExit, RecursionError) as exc:
        print_error(escaped_spec_failure(exc))
        return EXIT_USAGE
    except Exception as exc:
        if not worker_hit_recursion_limit(exc):
            raise  # an engine bug: its traceback is what to report
        print_error(DEEP_VALUE)
        return EXIT_USAGE


def print_error(message: str) -> None:
    """One paragraph on stderr; `message` is plain text (a `[models.x]` in it is not markup)."""
    Console(stderr=True, highlight=False).print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)


def worker_hit_recursion_limit(exc: Exception) -> bool:
    """A parallel worker that failed on a too deeply nested value (pickling it to send it to
    its owner): the coordinator gets the worker's traceback as text."""
    from checker.parallel import EngineFailure

    return isinstance(exc, EngineFailure) and str(exc).rstrip().splitlines()[-1].startswith("RecursionError")


def escaped_spec_failure(exc: BaseException) -> str:
    """The paragraph for what got past the search's own error reporting: a too deeply nested
    value (met wherever it is hashed, scanned or printed) or a SystemExit raised by the spec."""
    if isinstance(exc, RecursionError):
        return DEEP_VALUE
    where = spec_location(exc)
    at = f" ({where})" if where else ""
    if isinstance(exc, SpecExit):
        return f"{str(exc)[0].upper()}{str(exc)[1:]}{at}. Nothing was checked to the end, so this is an error, not a result."
    return (f"The spec raised SystemExit({'' if exc.code is None else repr(exc.code)}){at}, which would end the checker "
            "as if the check had finished. A spec reports a problem by raising another exception or returning "
            "fail('reason'); nothing was checked to the end, so this is an error, not a result.")


def entry() -> None:
    """Console-script entry. Fixes PYTHONHASHSEED (re-executing once if it is unset) so that
    fingerprints — Python's hash of the state — are the same in every run, not only the counts."""
    if os.environ.get("PYTHONHASHSEED") is None and not os.environ.get("PROTOCHECK_NO_REEXEC"):
        env = dict(os.environ, PYTHONHASHSEED="0")
        try:
            os.execve(sys.executable, [sys.executable, "-m", "protocheck", *sys.argv[1:]], env)
        except OSError:
            pass  # cannot re-exec: carry on; counts and traces are deterministic regardless
    sys.exit(main())
