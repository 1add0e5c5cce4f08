"""Errors a user can act on. Each message is one paragraph naming the problem and the fix."""


class SpecError(Exception):
    """The spec or its configuration is unusable as given (bad constant, unknown invariant, ...)."""


class UsageError(SpecError):
    """The command line or the call is malformed (bad target, bad -c value, ...)."""
