"""Liveness in the bundled protocol models: each default configuration (and the liveness
bugs) checked for its invariants only and with every declared property, in fresh child
processes (bench/liveness.py's harness): states, transitions, CPU seconds of each, their
ratio and the extra bytes per state.

    python bench/liveness_models.py                    # the five defaults (several minutes)
    python bench/liveness_models.py zk-1419-3-servers  # one configuration by name

Not in the test suite: the defaults take from seconds (kafka-producer) to minutes
(zk-election, 588,002 states).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import liveness  # noqa: E402

MODELS = {  # name -> (target, constants); the first five are the models.toml defaults
    "zk-election": ("zk-election", {}),
    "kafka-replication": ("kafka-replication", {}),
    "kafka-consumer-group": ("kafka-consumer-group", {}),
    "kafka-transactions": ("kafka-transactions", {}),
    "kafka-producer": ("kafka-producer", {}),
    # ZOOKEEPER-1419 with 3 servers on the latest-message network (models.toml has the 2-server one)
    "zk-1419-3-servers": ("zk-election", {"vote_order": "zk-1419", "recovered_current": (1, 0, 0),
                                          "recovered_accepted": (1, 1, 1), "max_crashes": 0, "max_writes": 0}),
    "zk-fixed-3-servers": ("zk-election", {"recovered_current": (1, 0, 0), "recovered_accepted": (1, 1, 1),
                                           "max_crashes": 0, "max_writes": 0}),
}

liveness.CASES.update(MODELS)

if __name__ == "__main__":
    for name in sys.argv[1:] or list(MODELS)[:5]:
        liveness.run(name)
