"""protocheck: an explicit-state model checker for protocols written as Python transition functions."""

from .constants import Range
from .errors import SpecError, UsageError
from .options import Options
from .result import CheckResult, Coverage, Step, Violation
from .search import check
from .trace import verify_trace
from .spec import InvariantFailed, Spec, action, constraint, describe, fail, invariant, terminal
from .properties import always_eventually, eventually, eventually_always, leads_to

__all__ = [
    "Spec", "action", "invariant", "constraint", "terminal", "fail", "InvariantFailed", "check", "Options",
    "CheckResult", "Coverage", "Step", "Violation", "SpecError", "UsageError", "describe", "verify_trace", "Range",
    "eventually", "always_eventually", "eventually_always", "leads_to",
]
__version__ = "0.1.0"
from .record import record; __all__ += ["record"]  # noqa: E402,E702 — the state record type (record.py)
from .simulate import simulate; __all__ += ["simulate"]  # noqa: E402,E702 — random walks (simulate.py)
