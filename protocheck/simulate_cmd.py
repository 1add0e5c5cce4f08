"""`protocheck simulate`: random walks with seeds, swarm configurations and shrinking, for
configurations exhaustive search cannot finish (checker/simulate.py; docs/simulate.md).

Exit codes: 1 violation or deadlock, 2 error or bad usage, 0 no violation (which is not a
proof: the verdict says how many traces were tried), 130 interrupted. Its own module, so
that the `check` command's flags and this one's evolve apart.
"""

from __future__ import annotations

import argparse

import attrs
from rich.console import Console
from rich.markup import escape

from checker.simulate import SimulateOptions, simulate
from checker.swarm import SWARM_MODES


def add_simulate_parser(sub: argparse._SubParsersAction) -> None:
    from .cli import _positive_float, _positive_int, _workers

    p = sub.add_parser("simulate", help="random walks with seeds and shrinking, for configurations too big to exhaust")
    p.add_argument("target", metavar="TARGET",
                   help="a models.toml entry name, a bundled model name, package.module:Class, or path/to/file.py:Class")
    p.add_argument("-c", "--constant", action="append", default=[], metavar="NAME=VALUE", help="set a constant (repeatable)")
    p.add_argument("--seed", type=_seed, default=None, metavar="N", help="seed of the walks (default 0): same seed, same walks")
    p.add_argument("--max-depth", type=_positive_int, default=None, metavar="D",
                   help="states per walk, the initial one included (default 100)")
    p.add_argument("--traces", type=_positive_int, default=None, metavar="N",
                   help="walks to run (default: 1,000, or as many as --time-limit allows)")
    p.add_argument("--time-limit", type=_positive_float, default=None, metavar="S", help="stop walking after S seconds")
    p.add_argument("--workers", type=_workers, default=1, metavar="N|auto", help="walk in N processes, split by walk index")
    p.add_argument("--invariant", action="append", default=None, metavar="NAME", help="check only this invariant (repeatable)")
    p.add_argument("--no-shrink", action="store_true", help="show the walk's own trace, not a shrunk one")
    p.add_argument("--no-deadlock", action="store_true", help="do not report states without successors")
    p.add_argument("--swarm", choices=SWARM_MODES, default=None,
                   help="swarm configurations per walk: mixed (half the walks, the default), on, off (uniform walks)")
    p.add_argument("--json", metavar="PATH", help="write the whole result as JSON (schema protocheck.result/1, with 'simulation')")
    p.add_argument("--itf", metavar="PATH", help="write the counterexample in the Informal Trace Format")
    p.add_argument("--markdown", metavar="PATH", help="write the verdict and counterexample as Markdown")
    p.add_argument("--full", action="store_true", help="show whole states in traces, not only what changed")
    p.add_argument("--quiet", action="store_true", help="print only the verdict and any trace")
    p.add_argument("--manifest", metavar="PATH", help="the manifest to look TARGET up in (default: models.toml here or above)")
    p.set_defaults(handler=cmd_simulate)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed (a whole number, 0 or more)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative: a seed is a whole number, 0 or more")
    return value


def simulate_options(args: argparse.Namespace, entry=None) -> SimulateOptions:
    """The flags, over a manifest entry's settings (its seed, traces, depth and time limit
    when it is a `mode = "simulate"` entry; its invariants and deadlock setting in any case)."""
    sim = entry.simulate if entry is not None else None
    settings: dict = {}
    if entry is not None:
        settings.update(invariants=entry.invariants, deadlock=entry.deadlock)
        if sim is not None:
            settings.update(seed=sim.seed, traces=sim.traces, max_depth=entry.max_depth or 100,
                            time_limit=entry.time_limit, swarm=sim.swarm)
    flags = dict(seed=args.seed, max_depth=args.max_depth, traces=args.traces, time_limit=args.time_limit,
                 invariants=tuple(args.invariant) if args.invariant else None, swarm=args.swarm)
    settings.update({k: v for k, v in flags.items() if v is not None})
    if args.no_deadlock:
        settings["deadlock"] = False
    return SimulateOptions(shrink=not args.no_shrink, workers=args.workers, **settings)


def run_simulation(spec, options: SimulateOptions, console: Console, quiet: bool):
    from reports.progress import Progress

    with Progress(console, enabled=not quiet) as progress:
        fields = attrs.asdict(attrs.evolve(options, progress=progress, progress_interval=progress.interval), recurse=False)
        return simulate(spec, **fields)


def cmd_simulate(args: argparse.Namespace, console: Console) -> int:
    from reports.terminal import print_result

    from .cli import check_output_flags, spec_for, write_outputs

    check_output_flags(args, ("json", "itf", "markdown"))
    spec, entry = spec_for(args)
    options = simulate_options(args, entry)
    result = run_simulation(spec, options, console, args.quiet)
    print_result(result, console, full=args.full, quiet=args.quiet)
    if entry is not None and entry.simulate is not None:
        from .suite import judge

        outcome = judge(entry, result)
        style = "green" if outcome.passed else "bold red"
        console.print(f"[{style}]" + escape(f"manifest entry {entry.name} expects {entry.expect.describe()}: "
                      f"{'as expected' if outcome.passed else 'DIFFERS — ' + outcome.detail}") + f"[/{style}]")
    write_outputs(result, args, spec, entry.name if entry else args.target, console)
    return result.exit_code
