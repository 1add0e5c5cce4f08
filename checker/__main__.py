"""`python -m checker` is kept as an alias of `python -m protocheck` (the README and many
scripts use it). This shim is the only place the engine package touches the command-line
layer, and it does so only when run as a program, never on `import checker`."""

from protocheck.cli import entry

entry()
