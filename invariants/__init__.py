"""Invariants written once over protocol concepts (leaders and epochs, logs, producer
records) and reused by several models. Each returns True, or `fail(reason)` naming the
values that make it false, so a counterexample ends with *why*."""
