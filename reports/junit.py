"""JUnit XML for CI systems (`ci --junit PATH`): one test case per manifest entry.

An entry whose outcome differs from its expectation is a <failure> (message: expected vs
got and why; body: the counterexample as text); an entry that could not be built or
whose spec raised is an <error>. Written with the standard library only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from checker.result import Violation

from .lasso import CYCLE_STARTS, closing, closing_change, is_lasso, lasso_size
from .suite import Outcome
from .values import change_text, diff, show, top_fields, trace_size


def trace_text(v: Violation) -> str:
    """A plain-text counterexample (no colour codes: it ends up in CI web pages)."""
    lines = [f"{v.kind} {v.name}: {v.message}", f"{lasso_size(v) if is_lasso(v) else trace_size(v.trace)}:"]
    prev = None
    for i, st in enumerate(v.trace):
        if is_lasso(v) and i == v.loop:
            lines.append(f"     -- {CYCLE_STARTS} --")
        lines.append(f"{i:>3}  {st.action}")
        if prev is None:
            lines += [f"       {p} = {show(x)}" for p, x in top_fields(st.state).items()]
        else:
            lines += [f"       {p}: {change_text(a, b, arrow='->')}" for p, a, b in diff(prev, st.state)]
        prev = st.state
    if is_lasso(v):
        lines.append(f"     <- {closing(v)}")
        change = closing_change(v)
        if change is not None:
            lines += [f"       {p}: {change_text(a, b, arrow='->')}" for p, a, b in diff(*change)]
    if v.traceback:
        lines.append(v.traceback.rstrip())
    return "\n".join(lines)


def suite_xml(outcomes: list[Outcome], name: str = "protocheck") -> ET.ElementTree:
    failures = sum(1 for o in outcomes if not o.passed and not _is_error(o))
    errors = sum(1 for o in outcomes if _is_error(o))
    total = sum(o.seconds for o in outcomes)
    root = ET.Element("testsuites", name=name, tests=str(len(outcomes)), failures=str(failures), errors=str(errors), time=f"{total:.3f}")
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(outcomes)), failures=str(failures),
                          errors=str(errors), skipped="0", time=f"{total:.3f}")
    for o in outcomes:
        case = ET.SubElement(suite, "testcase", classname=f"{name}.models", name=o.entry.name, time=f"{o.seconds:.3f}")
        r = o.result
        if r is not None:
            props = ET.SubElement(case, "properties")
            for key, value in (("spec", o.entry.spec), ("expected", o.entry.expect.describe()), ("got", o.got),
                               ("distinct_states", r.distinct_states), ("depth", r.depth)):
                ET.SubElement(props, "property", name=key, value=str(value))
        if o.passed:
            continue
        body = trace_text(r.violation) if r is not None and r.violation is not None else o.detail
        tag = "error" if _is_error(o) else "failure"
        elem = ET.SubElement(case, tag, message=f"expected {o.entry.expect.describe()}, got {o.got}: {o.detail}",
                             type="error" if tag == "error" else "unexpected-outcome")
        elem.text = body
    ET.indent(root)
    return ET.ElementTree(root)


def _is_error(o: Outcome) -> bool:
    return not o.passed and (o.result is None or o.result.status == "error")


def write_junit(outcomes: list[Outcome], path: str) -> None:
    suite_xml(outcomes).write(path, encoding="utf-8", xml_declaration=True)
