"""The shared model mechanics (spec/mechanics.py): each convention as a model relies on it."""

from __future__ import annotations

import pytest

from spec.mechanics import (
    bag_add, bag_add_all, bag_distinct, bag_remove, budget_left, common_prefix, durably_holds, epoch_end_offset,
    epoch_start_offset, fifo_receive, fifo_send, id_set_add, id_set_remove, log_after_crash, log_append,
    log_truncate, set_at, slot_holds, update,
)


def test_set_at_and_update_replace_positions_without_touching_the_original():
    t = (0, 1, 2)
    assert set_at(t, 1, 9) == (0, 9, 2) and t == (0, 1, 2)
    assert update(t, {0: 7, 2: 8}) == (7, 1, 8)


def test_a_fault_budget_counts_up_to_its_limit():
    assert budget_left(0, 1) and not budget_left(1, 1)
    assert not budget_left(0, 0)  # a limit of 0 switches the fault off


def test_a_fifo_channel_delivers_in_sending_order():
    ch = fifo_send(fifo_send((), "a"), "b")
    assert ch == ("a", "b")
    first, ch = fifo_receive(ch)
    second, ch = fifo_receive(ch)
    assert (first, second, ch) == ("a", "b", ())


def test_bags_are_equal_whatever_the_order_of_sending():
    one = bag_add(bag_add((), (2, "x")), (1, "y"))
    other = bag_add_all((), [(1, "y"), (2, "x")])
    assert one == other == ((1, "y"), (2, "x"))


def test_a_bag_removes_one_copy_and_offers_each_distinct_message_once():
    bag = bag_add_all((), ["m", "m", "a"])
    assert bag == ("a", "m", "m")
    assert bag_distinct(bag) == ("a", "m")
    assert bag_remove(bag, "m") == ("a", "m")
    with pytest.raises(ValueError):
        bag_remove(bag, "absent")


def test_an_id_set_is_sorted_and_adding_or_removing_twice_is_once():
    ids = id_set_add(id_set_add(id_set_add((), 2), 0), 2)
    assert ids == (0, 2)
    assert id_set_add(ids, 1) == (0, 1, 2)
    assert id_set_remove(ids, 2) == (0,) and id_set_remove(ids, 5) == ids


def test_a_log_end_offset_is_its_length_and_truncation_cuts_the_disk_too():
    log = log_append((), ("r0", "r1"))
    durable = 1  # r1 appended, not yet fsynced
    assert len(log) == 2 and log_after_crash(log, durable) == ("r0",)
    assert durably_holds(log, durable, "r0") and not durably_holds(log, durable, "r1")
    assert log_truncate(log_append(log, ("r2",)), 3, 1) == (("r0",), 1)
    assert log_truncate(log, durable, 2) == (log, 1)  # truncating above the disk keeps the tail unflushed


def test_common_prefix_is_where_two_logs_diverge():
    assert common_prefix((1, 2, 3), (1, 2, 4, 5)) == 2
    assert common_prefix((), (1,)) == 0 and common_prefix((1, 2), (1, 2)) == 2


def test_epoch_offsets_answer_offsets_for_leader_epoch():
    log = (("a", 0), ("b", 0), ("c", 2))
    assert epoch_end_offset(log, 1) == (0, 2)  # no entry of epoch 1: epoch 0 ends at 2
    assert epoch_end_offset(log, 2) == (2, 3)
    assert epoch_end_offset((("a", 3),), 1) == (-1, 0)
    assert epoch_start_offset(log, 1) == 2 and epoch_start_offset(log, 3) == 3


def test_a_request_slot_says_what_it_holds():
    assert not slot_holds((), 1)
    assert slot_holds((1, "req"), 1) and not slot_holds((2, "resp"), 1)
