"""Kafka transactions configurations too large for the test suite and `protocheck ci`: the
default with one produce timeout (KIP-890's late request on top of a zombie, a coordinator
failover and a lost response), with and without KIP-890. Prints status, counts, depth and
seconds; `--limit SECONDS` caps each run (default 1800; a run cut short says `incomplete`).
Run: python bench/kafka_transactions_large.py [--limit S] [name ...]   (default: all).
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.rows import run_named  # noqa: E402
from spec.kafka_transactions import KafkaTransactions  # noqa: E402

BENCH = {
    "default-timeout": (KafkaTransactions(timeouts=1), None),
    "default-timeout-pre890-atomic": (KafkaTransactions(timeouts=1, kip890=False), ["atomic_commit"]),
}


def main(args: list[str]) -> None:
    run_named(BENCH, args, deadlock=True)


if __name__ == "__main__":
    main(sys.argv[1:])
