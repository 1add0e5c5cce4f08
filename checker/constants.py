"""Constants are the spec's attrs fields. This module checks their values against the
declared types and ranges and parses `-c NAME=VALUE` strings into them, so a typo is caught
before a long search rather than silently changing the model.

A range is declared with the type, `records: Annotated[int, Range(1)] = 3`, rather than
checked by hand in `__attrs_post_init__`: the engine then checks it the same way at
construction, in `check()` and while parsing `-c`, and `protocheck list` shows it."""

from __future__ import annotations

import ast
import enum
import functools
import types
import typing
from typing import Any, Literal

import attrs

from .errors import SpecError, UsageError

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@attrs.frozen
class Range:
    """The values a numeric constant may take: `Range(1)` is at least 1, `Range(0, 4)` is 0
    to 4 (both ends included), `None` leaves an end open. `why` says what the bound stands
    for and is shown in the error, e.g. Range(2, 4, why="5 brokers are beyond an exhaustive run")."""

    min: int | float | None = None
    max: int | float | None = None
    why: str = ""

    def admits(self, value: Any) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min} to {self.max}"
        if self.min is not None:
            return f"at least {self.min}"
        return f"at most {self.max}" if self.max is not None else "any value"

    def symbol(self) -> str:
        """The short form `protocheck list` prints after the type: >= 1, 2..4, <= 5."""
        if self.min is not None and self.max is not None:
            return f"{self.min}..{self.max}"
        if self.min is not None:
            return f">= {self.min}"
        return f"<= {self.max}" if self.max is not None else ""


@functools.lru_cache(maxsize=None)
def declared_ranges(cls: type) -> dict[str, Range]:
    """Field name -> its declared Range, for the fields annotated `Annotated[T, Range(...)]`."""
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception:
        return {}
    out = {}
    for f in attrs.fields(cls):
        tp = hints.get(f.name)
        if typing.get_origin(tp) is typing.Annotated:
            found = [m for m in tp.__metadata__ if isinstance(m, Range)]
            if found:
                out[f.name] = found[0]
    return out


def describe_constant(cls: type, name: str) -> str:
    """A constant's type with its range, as the errors and `protocheck list` show it: "int >= 1"."""
    text = describe_type(declared_types(cls)[name])
    r = declared_ranges(cls).get(name)
    return f"{text} {r.symbol()}" if r is not None and r.symbol() else text


def range_problems(cls: type, values: dict[str, Any]) -> list[str]:
    """One phrase per value outside its declared range (values of the wrong type are left to
    the type check, which names them better)."""
    types_ = declared_types(cls)
    problems = []
    for name, r in declared_ranges(cls).items():
        if name not in values or not conforms(values[name], types_[name]) or isinstance(values[name], bool):
            continue
        value = values[name]
        if not isinstance(value, (int, float)) or r.admits(value):
            continue
        why = f" ({r.why})" if r.why else ""
        problems.append(f"{name}={value!r} must be {r.describe()}{why}")
    return problems


def range_error_text(cls: type, problems: list[str]) -> str:
    """The one paragraph for constants out of range: which, what is allowed, how to fix it."""
    fixes = []
    for f in attrs.fields(cls):
        if any(p.startswith(f"{f.name}=") for p in problems) and f.default is not attrs.NOTHING:
            fixes.append(f"-c {f.name}={f.default!r}")
    fix = f" (the defaults: {' '.join(fixes)})" if fixes else ""
    return (
        f"{cls.__name__} was given constants outside their declared range: {'; '.join(problems)}. "
        f"Give each a value in its range{fix}, on the command line, in models.toml or in Python."
    )


def check_ranges(spec: Any) -> None:
    """Raise SpecError if a constant of `spec` lies outside its declared Range (called when a
    spec is constructed, by Spec.__attrs_post_init__, and again by validate())."""
    cls = type(spec)
    if not declared_ranges(cls):
        return
    problems = range_problems(cls, {f.name: getattr(spec, f.name) for f in attrs.fields(cls)})
    if problems:
        raise SpecError(range_error_text(cls, problems))


def declared_types(cls: type) -> dict[str, Any]:
    """Field name -> declared type, with string annotations resolved."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # unresolvable annotation: fall back to whatever attrs recorded
        hints = {}
    return {f.name: hints.get(f.name, f.type) for f in attrs.fields(cls)}


def describe_type(tp: Any) -> str:
    if typing.get_origin(tp) is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return " | ".join(m.name for m in tp)
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def conforms(value: Any, tp: Any) -> bool:
    """Whether `value` is of declared type `tp` (unknown or unsupported types pass)."""
    if tp is None or tp is Any or isinstance(tp, str):
        return True
    origin = typing.get_origin(tp)
    if origin is Literal:
        return any(value == a and type(value) is type(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, a) for a in typing.get_args(tp))
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(v, args[0]) for v in value)
        return len(args) == len(value) and all(conforms(v, a) for v, a in zip(value, args))
    if origin in (frozenset, set, list):
        return isinstance(value, origin)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def validate(spec: Any) -> None:
    """Raise SpecError naming every constant whose value does not match its declared type."""
    cls = type(spec)
    problems = []
    for name, tp in declared_types(cls).items():
        value = getattr(spec, name)
        if not conforms(value, tp):
            problems.append(f"{name}={value!r} (expected {describe_type(tp)})")
    if problems:
        raise SpecError(
            f"{cls.__name__} was given constants of the wrong type: {'; '.join(problems)}. "
            "Pass values of the declared types (on the command line, -c NAME=VALUE is parsed to the declared type)."
        )
    check_ranges(spec)


def parse_assignments(cls: type, assignments: list[str]) -> dict[str, Any]:
    """Parse `NAME=VALUE` strings into typed constants for `cls`."""
    types_ = declared_types(cls)
    out: dict[str, Any] = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"-c expects NAME=VALUE, got {item!r}. Example: -c servers=3.")
        if name not in types_:
            known = ", ".join(f"{n} ({describe_constant(cls, n)})" for n in types_) or "none"
            raise UsageError(f"{cls.__name__} has no constant {name!r}. Its constants are: {known}.")
        out[name] = parse_value(name, text.strip(), types_[name])
    problems = range_problems(cls, out)
    if problems:
        raise UsageError(range_error_text(cls, problems))
    return out


def parse_value(name: str, text: str, tp: Any) -> Any:
    """Parse one constant's text to its declared type, with an error that shows the accepted form."""

    def bad(expected: str) -> UsageError:
        return UsageError(f"Constant {name}={text!r} is not {expected}. Give a value of the declared type, e.g. -c {name}=<{expected}>.")

    origin = typing.get_origin(tp)
    if origin is Literal:
        choices = typing.get_args(tp)
        for c in choices:
            if text == str(c) or text == repr(c):
                return c
        raise UsageError(f"Constant {name}={text!r} is not one of the allowed values: {', '.join(repr(c) for c in choices)}.")
    if tp is bool:
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise bad("a bool (true/false)")
    if tp is int:
        try:
            return int(text, 0)
        except ValueError:
            raise bad("an int") from None
    if tp is float:
        try:
            return float(text)
        except ValueError:
            raise bad("a number") from None
    if tp is str:
        return text
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        for m in tp:
            if text in (m.name, str(m.value)) or text.lower() == m.name.lower():
                return m
        raise bad(describe_type(tp))
    if origin is tuple or tp is tuple:
        try:
            value = ast.literal_eval(text if text.startswith(("(", "[")) else f"({text},)")
        except (ValueError, SyntaxError):
            raise bad("a tuple, e.g. 1,2,3") from None
        value = tuple(value)
        if not conforms(value, tp):
            raise bad(describe_type(tp))
        return value
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    if not conforms(value, tp):
        raise bad(describe_type(tp))
    return value


def instantiate(cls: type, values: dict[str, Any], table: str | None = None) -> Any:
    """`cls(**values)`, refusing first the constants that have no default and no value (which
    attrs reports as a bare TypeError), and explaining any other failure to construct it."""
    missing = [f for f in attrs.fields(cls) if f.default is attrs.NOTHING and f.init and f.name not in values]
    if missing:
        needed = ", ".join(f"{f.name} ({describe_constant(cls, f.name)})" for f in missing)
        if table is None:  # the command line (or the Python API)
            how = "on the command line (" + " ".join(f"-c {f.name}=..." for f in missing) + ")"
        else:
            how = f"in {table} (constants = {{ {', '.join(f'{f.name} = ...' for f in missing)} }})"
        raise UsageError(
            f"{cls.__name__} has constant(s) without a default that were given no value: {needed}. "
            f"Give each a value {how}, or give it a default in the class."
        )
    try:
        return cls(**values)
    except SpecError:
        raise
    except Exception as exc:
        raise SpecError(
            f"Constructing {cls.__name__}({', '.join(f'{k}={v!r}' for k, v in values.items())}) raised "
            f"{type(exc).__name__}: {exc}. Check the constants' values against the class's validators and "
            "__attrs_post_init__."
        ) from None
