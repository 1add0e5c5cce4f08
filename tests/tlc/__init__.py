"""Ports of public TLA+ models (tlaplus/Examples) whose TLC figures pin the engine's counts.

Each module is a state-for-state port of one model: same variables up to a bijection,
same actions and enabling conditions (one `@action` per TLA+ disjunct, so that every
successor TLC generates, stutters included, is generated here too), same initial states
and CONSTRAINT. Liveness properties are not ported; they do not change the counts.
"""
