"""Running manifest entries and judging each outcome against its expectation.

Pure data (no printing): `protocheck ci` and the report writers present the `Outcome`s.
A run cut short by a limit never counts as ok, and an expected bug that is no longer
found fails too, so the manifest changes only on purpose.
"""

from __future__ import annotations

import traceback
import typing
from typing import Any, Callable, Iterable

import attrs

from checker.constants import declared_types, instantiate, parse_value
from checker.errors import DEEP_VALUE, SpecError
from checker.options import Options
from checker.result import CheckResult
from checker.search import check
from checker.spec import describe
from reports.lasso import base_name, is_property
from reports.manifest import Entry
from reports.suite import Outcome, got_text

from .targets import load_class


def coerce_constants(cls: type, constants: dict[str, Any]) -> dict[str, Any]:
    """TOML values to the spec's declared types: arrays become tuples, and a string given
    for a non-string constant is parsed as on the command line (`-c name=value`)."""
    types = declared_types(cls)
    out = {}
    for name, value in constants.items():
        if name not in types:
            known = ", ".join(types) or "none"
            raise SpecError(f"{cls.__name__} has no constant {name!r}. Its constants are: {known}.")
        tp = types[name]
        if isinstance(value, str) and tp is not str and typing.get_origin(tp) is not typing.Literal:
            value = parse_value(name, value, tp)
        out[name] = _tuples(value)
    return out


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def build_spec(entry: Entry, overrides: dict[str, Any] | None = None) -> Any:
    """The spec instance an entry describes (`overrides`: already-typed constants that win)."""
    cls = load_class(entry.spec)
    describe(cls)
    constants = coerce_constants(cls, entry.constants)
    constants.update(overrides or {})
    return instantiate(cls, constants, table=f"[models.{entry.name}]")


def entry_options(entry: Entry, progress: Callable[[dict], None] | None = None) -> Options:
    """The search an entry asks for: it stops at the first violation, which is what it expects."""
    return Options(deadlock=entry.deadlock, invariants=entry.invariants, max_states=entry.max_states,
                   max_depth=entry.max_depth, time_limit=entry.time_limit, stop_on_first=True, progress=progress,
                   properties=entry.properties, liveness=entry.liveness, symmetry=entry.symmetry)


def simulate_entry(spec: Any, entry: Entry, progress: Callable[[dict], None] | None = None) -> CheckResult:
    """A `mode = "simulate"` entry: its seed and budget, so that CI gates configurations too big to exhaust."""
    from checker.simulate import simulate

    sim = entry.simulate
    return simulate(spec, seed=sim.seed, max_depth=entry.max_depth or 100, traces=sim.traces, time_limit=entry.time_limit,
                    invariants=entry.invariants, deadlock=entry.deadlock, swarm=sim.swarm, progress=progress)


def run_entry(entry: Entry, progress: Callable[[dict], None] | None = None) -> Outcome:
    try:
        spec = build_spec(entry)
    except SpecError as exc:
        return Outcome(entry, None, "error", False, str(exc))
    except Exception as exc:  # the spec module itself is broken: one entry fails, the suite goes on
        return Outcome(entry, None, "error", False, f"cannot build the spec: {type(exc).__name__}: {exc}")
    try:
        result = simulate_entry(spec, entry, progress) if entry.simulate else check(spec, options=entry_options(entry, progress))
    except SpecError as exc:
        return Outcome(entry, None, "error", False, str(exc))
    except RecursionError:  # a value nested too deep to hash or scan: the spec's, not the checker's
        return Outcome(entry, None, "error", False, DEEP_VALUE)
    except Exception:  # the checker itself failed: say so, with where
        return Outcome(entry, None, "error", False, "the checker raised (an engine bug, not a spec result):\n" + traceback.format_exc())
    return judge(entry, result)


def judge(entry: Entry, r: CheckResult) -> Outcome:
    exp, v = entry.expect, r.violation
    got = got_text(r)
    if r.status in ("incomplete", "interrupted"):
        return Outcome(entry, r, got, False, f"the search was cut short ({r.reason}), so it proves nothing")
    if r.status == "error":
        return Outcome(entry, r, got, False, v.message if v else "error")
    if exp.kind == "ok":
        vacuous = [n for n in r.vacuous if n not in entry.vacuous_ok and base_name(n) not in entry.vacuous_ok]
        if r.status == "ok" and vacuous:
            return Outcome(entry, r, f"ok, but {', '.join(vacuous)} vacuous", False, vacuity_detail(vacuous, r))
        if r.status in ("ok", "no_violation"):  # no_violation: a simulate entry's walks found nothing
            return Outcome(entry, r, got, True)
        return Outcome(entry, r, got, False, f"expected every invariant to hold: {v.message if v else r.status}")
    if r.status in ("ok", "no_violation"):
        return Outcome(entry, r, got, False, f"expected {exp.describe()} but the checker no longer finds it: "
                       "if the bug was fixed on purpose, update the manifest")
    wanted = "deadlock" if exp.kind == "deadlock" else "violation"
    if r.status != wanted or (exp.kind == "violation" and exp.invariant not in (v.name, base_name(v.name))):
        return Outcome(entry, r, got, False, f"expected {exp.describe()}, got {got}: {v.message}")
    if exp.max_length is not None and len(v.trace) > exp.max_length:
        return Outcome(entry, r, got, False, f"counterexample has {len(v.trace)} states, more than max_length={exp.max_length}")
    return Outcome(entry, r, got, True)


def vacuity_detail(vacuous: list[str], r: CheckResult) -> str:
    """Why an entry expected ok fails when something held vacuously, and the two ways out."""
    one = len(vacuous) == 1
    props = [n for n in vacuous if is_property(n, r)]
    invs = [n for n in vacuous if n not in props]
    reasons = []
    if invs:
        reasons.append(f"{', '.join(invs)} held only because {'its' if len(invs) == 1 else 'their'} premise "
                       "(exercised=) never held in any reachable state")
    if props:
        reasons.append(f"{', '.join(props)} could not fail: {'its' if len(props) == 1 else 'their'} trigger never "
                       "held, or what it asks for held in every reachable state")
    return (f"{'; '.join(reasons)}: the configuration does not exercise {'it' if one else 'them'}. Change the "
            f"configuration, or list {'it' if one else 'them'} in the entry's vacuous_ok if that is expected")


def run_suite(entries: Iterable[Entry], on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run entries in order (deterministic: same manifest, same commit, same table)."""
    outcomes = []
    for entry in entries:
        outcome = run_entry(entry)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
        if outcome.result is not None and outcome.result.status == "interrupted":
            break  # Ctrl-C stops the suite, not just the entry
    return outcomes


def unexercised(entries: Iterable[Entry], bundled: dict[str, str]) -> list[str]:
    """Hints, not failures: bundled specs no entry checks (when the manifest uses bundled
    specs at all), and values of the switches (Literal and bool constants) of every spec
    the manifest uses that no entry sets — each bug switch should have an entry."""
    by_spec: dict[str, list[Entry]] = {}
    for e in entries:
        by_spec.setdefault(bundled.get(e.spec, e.spec), []).append(e)
    hints = []
    names = {t: n for n, t in bundled.items()} if set(by_spec) & set(bundled.values()) else {}
    names.update({t: t for t in by_spec if t not in names})  # a project's own manifest: only its specs
    for target, name in sorted(names.items(), key=lambda tn: tn[1]):
        mine = by_spec.get(target, [])
        if not mine:
            hints.append(f"{name}: no manifest entry")
            continue
        try:
            cls = load_class(target)
            types = declared_types(cls)
        except Exception as exc:  # reported when an entry runs; here only a hint
            hints.append(f"{name}: cannot load ({exc})")
            continue
        for f in attrs.fields(cls):
            tp = types[f.name]
            values = typing.get_args(tp) if typing.get_origin(tp) is typing.Literal else (False, True) if tp is bool else ()
            used = set()
            for e in mine:
                try:
                    used.add(coerce_constants(cls, {f.name: e.constants[f.name]})[f.name] if f.name in e.constants else f.default)
                except Exception:
                    continue
            missing = [v for v in values if v not in used]
            if missing:
                hints.append(f"{name}: no entry sets {', '.join(f'{f.name}={v!r}' for v in missing)}")
    return hints
