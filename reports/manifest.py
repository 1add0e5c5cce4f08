"""The model suite's manifest (`models.toml`): named models with the outcome each must have.

Pure data: parsing and validating entries. Every mistake (unknown key, bad `expect`) is a
`UsageError` naming the entry and the fix, because a typo in a CI gate must not pass silently.
"""

from __future__ import annotations

import math
import os
import tomllib
from typing import Any

import attrs

from checker.errors import UsageError

MANIFEST = "models.toml"
KEYS = ("spec", "constants", "invariants", "deadlock", "max_states", "max_depth", "time_limit", "description", "expect",
        "vacuous_ok", "properties", "liveness", "symmetry", "mode", "seed", "traces", "swarm")
SIMULATE_KEYS = ("seed", "traces", "swarm")  # only with mode = "simulate"
SWARM_MODES = ("mixed", "on", "off")  # checker/swarm.py


@attrs.frozen
class Expectation:
    """What an entry must produce: 'ok', a violation of one invariant or liveness property
    (optionally within `max_length` states, initial included), or a deadlock."""

    kind: str  # 'ok' | 'violation' | 'deadlock'
    invariant: str | None = None  # the invariant's or property's name
    max_length: int | None = None

    def describe(self) -> str:
        if self.kind == "ok":
            return "ok"
        if self.kind == "deadlock":
            return "deadlock" + (f" (≤{self.max_length} states)" if self.max_length else "")
        return f"violation {self.invariant}" + (f" (≤{self.max_length} states)" if self.max_length else "")

    def to_plain(self) -> Any:
        if self.kind == "ok":
            return "ok"
        out: dict[str, Any] = {"deadlock": True} if self.kind == "deadlock" else {"violation": self.invariant}
        if self.max_length is not None:
            out["max_length"] = self.max_length
        return out


@attrs.frozen
class SimulateSettings:
    """A `mode = "simulate"` entry's random search: the seed, the walks to run (None: as many
    as time_limit allows, or 1,000), the swarm mode. max_depth and time_limit are the entry's."""

    seed: int = 0
    traces: int | None = None
    swarm: str = "mixed"


@attrs.frozen
class Entry:
    """One `[models.NAME]` table."""

    name: str
    spec: str
    constants: dict[str, Any] = attrs.field(factory=dict)
    invariants: tuple[str, ...] | None = None
    deadlock: bool = True
    max_states: int | None = None
    max_depth: int | None = None
    time_limit: float | None = None
    description: str = ""
    expect: Expectation = Expectation("ok")
    vacuous_ok: tuple[str, ...] = ()  # invariants and properties this entry expects to hold vacuously
    properties: tuple[str, ...] | None = None  # liveness properties to check (None: all the spec declares)
    liveness: bool = True  # False: safety only (as --no-liveness)
    symmetry: bool = True  # False: ignore a declared symmetry (as --no-symmetry; liveness refuses symmetry)
    raw: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)  # the table as written
    simulate: SimulateSettings | None = None  # mode = "simulate": random walks, not exhaustive search


def find_manifest(start: str | None = None) -> str | None:
    """`models.toml` in `start` (default: the current directory) or the nearest parent that has one."""
    here = os.path.abspath(start or os.getcwd())
    while True:
        path = os.path.join(here, MANIFEST)
        if os.path.isfile(path):
            return path
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def load_manifest(path: str) -> dict[str, Entry]:
    """Entries by name, in file order."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"No manifest at {path!r}. Give the path of a models.toml (see reports/README.md).") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}.") from None
    return parse_manifest(data, path, base=os.path.dirname(os.path.abspath(path)))


def parse_manifest(data: dict[str, Any], where: str = MANIFEST, base: str | None = None) -> dict[str, Entry]:
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise UsageError(f"{where} has no [models.NAME] tables. Add one per model (see reports/README.md).")
    return {name: parse_entry(name, table, where, base) for name, table in models.items()}


def resolve_spec(spec: str, base: str | None) -> str:
    """A `path.py:Class` (or `path.py`) spec is relative to the manifest's directory, not the current one."""
    module, sep, cls = spec.rpartition(":")
    if base and sep and module.endswith(".py") and not os.path.isabs(module):
        return f"{os.path.join(base, module)}:{cls}"
    if base and not sep and spec.endswith(".py") and not os.path.isabs(spec):  # the file's only spec
        return os.path.join(base, spec)
    return spec


def parse_entry(name: str, table: Any, where: str = MANIFEST, base: str | None = None) -> Entry:
    def bad(msg: str) -> UsageError:
        return UsageError(f"{where}: [models.{name}] {msg}")

    if not isinstance(table, dict):
        raise bad("must be a table of keys (spec, constants, expect, ...).")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise bad(f"has unknown key(s) {', '.join(unknown)}. Known keys: {', '.join(KEYS)}.")
    spec = table.get("spec")
    if not isinstance(spec, str) or not spec:
        raise bad('needs spec = "<bundled name | module:Class | path.py:Class>".')
    constants = table.get("constants", {})
    if not isinstance(constants, dict):
        raise bad("constants must be an inline table, e.g. constants = { servers = 3 }.")
    invariants = table.get("invariants")
    if invariants is not None and not (isinstance(invariants, list) and all(isinstance(i, str) for i in invariants)):
        raise bad('invariants must be a list of names, e.g. invariants = ["no_acked_loss"].')
    deadlock = table.get("deadlock", True)
    if not isinstance(deadlock, bool):
        raise bad("deadlock must be true or false.")
    limits = {}
    for key in ("max_states", "max_depth", "time_limit"):
        value = table.get(key)
        ok_types = (int, float) if key == "time_limit" else (int,)
        if value is not None and (isinstance(value, bool) or not isinstance(value, ok_types) or not 0 < value < math.inf):
            raise bad(f"{key} must be a positive number, got {value!r} (leave it out for no limit).")
        limits[key] = value
    description = table.get("description", "")
    if not isinstance(description, str):
        raise bad("description must be a string.")
    vacuous_ok = table.get("vacuous_ok", [])
    if not (isinstance(vacuous_ok, list) and all(isinstance(i, str) for i in vacuous_ok)):
        raise bad('vacuous_ok must be a list of invariant or property names, e.g. vacuous_ok = ["no_acked_loss"] '
                  "(invariants allowed to hold only because their premise never does in this configuration, and "
                  "liveness properties whose trigger never holds or that hold in every state).")
    properties = table.get("properties")
    if properties is not None and not (isinstance(properties, list) and all(isinstance(p, str) for p in properties)):
        raise bad('properties must be a list of liveness property names, e.g. properties = ["leader_elected"] '
                  "(leave it out to check every property the spec declares).")
    switches = {}
    for key, meaning in (("liveness", "false checks no liveness property (safety only)"),
                         ("symmetry", "false ignores the symmetry the spec declares, as --no-symmetry")):
        switches[key] = table.get(key, True)
        if not isinstance(switches[key], bool):
            raise bad(f"{key} must be true or false ({meaning}); got {switches[key]!r}.")
    if properties is not None and not switches["liveness"]:
        raise bad("sets both properties = [...] and liveness = false: the first selects liveness properties to "
                  "check, the second checks none. Keep one of them.")
    return Entry(
        name=name, spec=resolve_spec(spec, base), constants=dict(constants), simulate=parse_mode(table, bad),
        invariants=tuple(invariants) if invariants is not None else None, deadlock=deadlock,
        description=description, expect=parse_expect(table.get("expect", "ok"), bad), raw=dict(table),
        vacuous_ok=tuple(vacuous_ok), properties=tuple(properties) if properties is not None else None,
        **switches, **limits,
    )


def parse_expect(value: Any, bad) -> Expectation:
    if value == "ok":
        return Expectation("ok")
    hint = 'expect must be "ok", { violation = "<invariant or property>", max_length = N } or { deadlock = true }.'
    if not isinstance(value, dict):
        raise bad(f"{hint} Got {value!r}.")
    unknown = sorted(set(value) - {"violation", "deadlock", "max_length"})
    if unknown:
        raise bad(f"{hint} Unknown key(s) in expect: {', '.join(unknown)}.")
    max_length = value.get("max_length")
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1):
        raise bad("expect.max_length must be a positive whole number (states in the trace, initial included).")
    if "violation" in value and "deadlock" not in value:
        if not isinstance(value["violation"], str) or not value["violation"]:
            raise bad(f"{hint} violation must name an invariant or a liveness property.")
        return Expectation("violation", value["violation"], max_length)
    if value.get("deadlock") is True and "violation" not in value:
        return Expectation("deadlock", None, max_length)
    raise bad(f"{hint} Got {value!r}.")


def parse_mode(table: dict[str, Any], bad) -> SimulateSettings | None:
    """`mode = "simulate"` and its keys (seed, traces, swarm), or None for an exhaustive check."""
    mode = table.get("mode", "check")
    if mode not in ("check", "simulate"):
        raise bad(f'mode must be "check" (exhaustive, the default) or "simulate" (random walks), got {mode!r}.')
    if mode == "check":
        stray = [k for k in SIMULATE_KEYS if k in table]
        if stray:
            raise bad(f'{", ".join(stray)} only make sense with mode = "simulate" (random walks); add it, or remove them.')
        return None
    if "max_states" in table:
        raise bad('max_states bounds an exhaustive search; a mode = "simulate" entry is bounded by traces, max_depth '
                  "(states per walk) and time_limit. Remove max_states.")
    seed, traces, swarm = table.get("seed", 0), table.get("traces"), table.get("swarm", "mixed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise bad(f"seed must be a whole number, 0 or more, got {seed!r}.")
    if traces is not None and (isinstance(traces, bool) or not isinstance(traces, int) or traces < 1):
        raise bad(f"traces must be a positive whole number (walks to run), got {traces!r}.")
    if swarm not in SWARM_MODES:
        raise bad(f"swarm must be one of {', '.join(map(repr, SWARM_MODES))}, got {swarm!r}.")
    return SimulateSettings(seed, traces, swarm)
