"""Constants are the spec's attrs fields. This module checks their values against the
declared types and parses `-c NAME=VALUE` strings into them, so a typo is caught before
a long search rather than silently changing the model."""

from __future__ import annotations

import ast
import enum
import types
import typing
from typing import Any, Literal

import attrs

from .errors import SpecError, UsageError

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


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
            known = ", ".join(f"{n} ({describe_type(t)})" for n, t in types_.items()) or "none"
            raise UsageError(f"{cls.__name__} has no constant {name!r}. Its constants are: {known}.")
        out[name] = parse_value(name, text.strip(), types_[name])
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
        types_ = declared_types(cls)
        needed = ", ".join(f"{f.name} ({describe_type(types_[f.name])})" for f in missing)
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
