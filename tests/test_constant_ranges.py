"""Declared constant ranges (`Annotated[int, Range(...)]`): checked at construction, by
check() and while parsing -c, with one paragraph naming the constant, its value, the range
and the fix; shown by `protocheck list`."""

from __future__ import annotations

from typing import Annotated

import attrs
import pytest

from checker import Range, Spec, SpecError, UsageError, action, check
from checker.constants import declared_ranges, describe_constant, parse_assignments
from spec.kafka_producer import KafkaProducer
from tests.test_cli import run


@attrs.frozen
class Ring(Spec):
    nodes: Annotated[int, Range(2, 4, why="one node has no neighbour; 5 are beyond an exhaustive run")] = 3
    faults: Annotated[int, Range(0)] = 0
    ratio: Annotated[float, Range(max=1.0)] = 0.5
    lossy: bool = False

    def init(self):
        yield 0

    @action
    def step(self, s):
        return None if s >= self.nodes else s + 1


@attrs.frozen
class RingWithOwnPostInit(Ring):
    """Forgets to call super().__attrs_post_init__(): check() must still refuse bad ranges."""

    def __attrs_post_init__(self) -> None:
        pass


def test_ranges_are_read_from_the_annotations():
    why = "one node has no neighbour; 5 are beyond an exhaustive run"
    assert declared_ranges(Ring) == {"nodes": Range(2, 4, why), "faults": Range(0), "ratio": Range(max=1.0)}
    assert describe_constant(Ring, "nodes") == "int 2..4"
    assert describe_constant(Ring, "faults") == "int >= 0"
    assert describe_constant(Ring, "ratio") == "float <= 1.0"
    assert describe_constant(Ring, "lossy") == "bool"


def test_in_range_values_construct_and_check():
    assert check(Ring(nodes=2, faults=0, ratio=1.0)).distinct_states == 3
    assert check(Ring(nodes=4)).distinct_states == 5


def test_construction_refuses_a_value_out_of_range_in_one_paragraph():
    with pytest.raises(SpecError) as err:
        Ring(nodes=5)
    assert str(err.value) == (
        "Ring was given constants outside their declared range: nodes=5 must be 2 to 4 (one node has no "
        "neighbour; 5 are beyond an exhaustive run). Give each a value in its range (the defaults: -c nodes=3), "
        "on the command line, in models.toml or in Python."
    )


def test_every_constant_out_of_range_is_named_at_once():
    with pytest.raises(SpecError, match=r"nodes=1 must be 2 to 4 .*; faults=-1 must be at least 0; ratio=1\.5 must be at most 1\.0\. "
                                        r"Give each a value in its range \(the defaults: -c nodes=3 -c faults=0 -c ratio=0\.5\)"):
        Ring(nodes=1, faults=-1, ratio=1.5)


def test_check_refuses_a_spec_whose_own_post_init_skipped_the_ranges():
    spec = RingWithOwnPostInit(nodes=9)  # constructed: its __attrs_post_init__ does not call super()
    with pytest.raises(SpecError, match="nodes=9 must be 2 to 4"):
        check(spec)


def test_a_wrong_type_is_reported_as_a_type_not_as_a_range():
    with pytest.raises(SpecError, match=r"wrong type: nodes='3' \(expected int\)"):
        check(RingWithOwnPostInit(nodes="3"))


def test_dash_c_parsing_checks_the_range():
    assert parse_assignments(Ring, ["nodes=4", "faults=0"]) == {"nodes": 4, "faults": 0}
    with pytest.raises(UsageError) as err:
        parse_assignments(KafkaProducer, ["records=0", "retries=-1"])
    assert str(err.value) == (
        "KafkaProducer was given constants outside their declared range: records=0 must be at least 1; "
        "retries=-1 must be at least 0 (0 switches it off). Give each a value in its range (the defaults: "
        "-c records=3 -c retries=2), on the command line, in models.toml or in Python."
    )


def test_an_unknown_constant_lists_the_ranges():
    with pytest.raises(UsageError, match=r"Its constants are: nodes \(int 2\.\.4\), faults \(int >= 0\), ratio \(float <= 1\.0\), lossy \(bool\)\."):
        parse_assignments(Ring, ["node=3"])


def test_the_command_line_refuses_an_out_of_range_constant_and_lists_ranges():
    p = run("check", "kafka-producer", "-c", "max_in_flight=0")
    assert p.returncode == 2
    assert "max_in_flight=0 must be at least 1" in p.stderr and "-c max_in_flight=5" in p.stderr
    assert "Traceback" not in p.stderr
    listed = run("list")
    assert "max_in_flight: int >= 1 = 5" in listed.stdout
