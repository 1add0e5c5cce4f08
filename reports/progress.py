"""Progress of a long search: a live rich display on a terminal, a plain line every few
seconds otherwise (CI logs keep every line, so they must be few and self-contained)."""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.text import Text


def _line(p: dict) -> str:
    return (f"distinct {p['distinct']:,}  generated {p['generated']:,}  queue {p['queue']:,}  "
            f"depth {p['depth']}  {p['per_second']:,.0f} states/s  {p['seconds']:.0f}s")


class Progress:
    """Context manager yielding a callback for `check(progress=...)`."""

    def __init__(self, console: Console, enabled: bool = True):
        self.console, self.enabled = console, enabled
        self.live: Live | None = None
        self.interval = 0.5 if console.is_terminal else 5.0

    def __enter__(self):
        if self.enabled and self.console.is_terminal:
            self.live = Live(Text("starting…"), console=self.console, transient=True, refresh_per_second=4)
            self.live.__enter__()
        return self

    def __call__(self, p: dict) -> None:
        if not self.enabled:
            return
        if self.live is not None:
            self.live.update(Text(_line(p), style="cyan"))
        else:
            self.console.print("progress: " + _line(p), highlight=False)

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)
        return False
