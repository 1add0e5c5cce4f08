"""What a user reads: state diffs by path, the invariant's reason shown with the trace,
the sequence-diagram convention, and the HTML / Markdown / ITF encodings of odd values."""

from __future__ import annotations

import enum
import re
from html.parser import HTMLParser
from typing import NamedTuple

import attrs
from rich.console import Console

from checker import InvariantFailed, Spec, action, check, invariant
from protocheck.cli import main
from checker.result import Step
from reports.flow import message_flow
from reports.html import result_html, sequence_svg
from reports.itf import encode, trace_itf
from reports.markdown import cell, result_markdown
from reports.terminal import print_result
from reports.values import change_text, diff


class Proc(NamedTuple):
    term: int
    log: tuple


class Cluster(NamedTuple):
    procs: tuple
    net: tuple


def test_diff_names_the_path_of_what_changed():
    a = Cluster((Proc(1, ()), Proc(1, ())), ())
    b = Cluster((Proc(1, ()), Proc(2, ("x",))), ("m",))
    assert diff(a, b) == [("procs[1].term", 1, 2), ("procs[1].log", (), ("x",)), ("net", (), ("m",))]
    assert diff(a, a) == []


def test_a_long_bag_change_shows_what_was_added_and_removed():
    old = tuple(f"message-{i:02}" for i in range(8))
    new = tuple(sorted(old[1:] + ("message-99",)))
    assert change_text(old, new) == "+'message-99', −'message-00'"
    assert change_text((1, 2), (1, 2, 3)) == "(1, 2) → (1, 2, 3)"


class Msg(NamedTuple):
    src: int
    dst: int
    kind: str


class Net(NamedTuple):
    acked: tuple
    net: tuple


@attrs.frozen
class Acks(Spec):
    """Process 0 asks 1 and 2; an ack from a process that was never asked is the bug."""

    mode: str = "correct"

    def init(self):
        yield Net((False, False, False), ())

    @action(src=lambda spec, s: [0], dst=lambda spec, s: [1, 2])
    def ask(self, s, src, dst):
        m = Msg(src, dst, "ask")
        return None if m in s.net else s._replace(net=tuple(sorted(s.net + (m,))))

    @action(m=lambda spec, s: s.net)
    def ack(self, s, m):
        return s._replace(acked=s.acked[:m.dst] + (True,) + s.acked[m.dst + 1:], net=tuple(x for x in s.net if x != m))

    @invariant
    def at_most_one_ack(self, s):
        if sum(s.acked) > 1:
            raise InvariantFailed(f"processes {[i for i, a in enumerate(s.acked) if a]} both acknowledged")
        return True


def test_terminal_trace_shows_steps_diffs_and_the_reason():
    r = check(Acks())
    assert r.status == "violation"
    con = Console(record=True, width=120)
    print_result(r, con, quiet=True)
    out = con.export_text()
    assert "  1  ask(src=0, dst=1)" in out
    assert "       acked[1]: False → True" in out
    assert "✗ Invariant at_most_one_ack is violated: processes [1, 2] both acknowledged" in out
    full = Console(record=True, width=120)
    print_result(r, full, full=True, quiet=True)
    assert full.export_text().count("acked = ") == len(r.violation.trace)


def test_message_flow_convention():
    spec = Acks()
    m = Msg(0, 2, "ask")
    assert message_flow(spec, Step("ask(src=0, dst=2)", None, "ask", {"src": 0, "dst": 2})) == ("p0", "p2", "ask")
    assert message_flow(spec, Step("ack(m=...)", None, "ack", {"m": m})) == ("p0", "p2", "ask")  # the message's kind
    assert message_flow(spec, Step("tick", None, "tick", {})) is None

    @attrs.frozen
    class Named(Acks):
        def message_flow(self, step):
            return ("leader", "leader", "local") if step.name == "ask" else None

    assert message_flow(Named(), Step("ask", None, "ask", {"src": 0, "dst": 1})) == ("leader", "leader", "local")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_with_a_sequence_diagram():
    spec = Acks()
    r = check(spec)
    page = result_html(r, spec)
    parser = _Tags()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and not any("src" in a or t == "link" for t, a in parser.tags)
    assert tags.count("svg") == 1
    arrows = [a for t, a in parser.tags if t == "line" and a.get("marker-end")]
    assert len(arrows) == len(r.violation.trace) - 1  # every step moves a message
    assert "processes [1, 2] both acknowledged" in page
    assert tags.count("tr") == len(r.violation.trace) + 1
    assert sequence_svg(spec, r.violation.__class__("invariant", "x", "m", r.violation.trace[:1])) == ""


def test_html_and_markdown_escape_state_text(tmp_path, monkeypatch):
    assert cell("a|b\nc") == "a\\|b<br>c"
    monkeypatch.chdir(tmp_path)
    assert main(["check", "diehard", "--quiet", "--html", "d.html", "--markdown", "d.md"]) == 1
    page = (tmp_path / "d.html").read_text()
    assert "<svg" not in page  # DieHard names no sender or receiver
    assert re.search(r"<td class=n>6</td><td><code>big_to_small</code></td>", page)
    md = (tmp_path / "d.md").read_text()
    assert "| 3 | `empty(jug='small')` | `small`: `3 → 0` |" in md


class Color(enum.Enum):
    RED = 1


def test_itf_encodings():
    assert encode(3) == {"#bigint": "3"} and encode(True) is True and encode("x") == "x"
    assert encode((1, "a")) == {"#tup": [{"#bigint": "1"}, "a"]}
    assert encode(frozenset({2, 1})) == {"#set": [{"#bigint": "1"}, {"#bigint": "2"}]}
    assert encode({"b": 1}) == {"#map": [["b", {"#bigint": "1"}]]}
    assert encode([1]) == [{"#bigint": "1"}]
    assert encode(Color.RED) == "RED"
    assert encode(None) == {"tag": "None", "value": {"#tup": []}}  # ITF has no null: Quint's Option None
    assert encode(Msg(0, 1, "ask")) == {"src": {"#bigint": "0"}, "dst": {"#bigint": "1"}, "kind": "ask"}
    r = check(Acks())
    doc = trace_itf(r.violation, r)
    assert doc["vars"] == ["acked", "net"] and doc["params"] == ["mode"]
    assert doc["states"][0]["mode"] == "correct" and "mode" not in doc["states"][1]


def test_markdown_of_an_ok_result():
    md = result_markdown(check(Acks(), invariants=[]), title="acks")
    assert md.startswith("### ✅ acks (mode='correct'): ok")
