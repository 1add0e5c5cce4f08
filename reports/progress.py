"""Progress of a long search: a live rich display on a terminal, a plain line every few
seconds otherwise (CI logs keep every line, so they must be few and self-contained)."""

from __future__ import annotations

import os

from rich.console import Console
from rich.live import Live
from rich.text import Text


def _line(p: dict) -> str:
    if p.get("liveness"):  # the search is done; the state graph's cycles are being checked
        return (f"distinct {p['distinct']:,}  transitions {p.get('transitions', 0):,}  checking {p['liveness']}  "
                f"{p['seconds']:.0f}s{_memory()}")
    if p.get("mode") == "simulate":
        distinct = f"  distinct {p['distinct']:,}" if p.get("distinct") is not None else ""  # parallel: not summed
        return (f"traces {p['traces']:,}  steps {p['steps']:,}{distinct}  deepest {p['deepest']}  "
                f"{p['per_second']:,.0f} steps/s  {p['seconds']:.0f}s{_memory()}")
    return (f"distinct {p['distinct']:,}  generated {p['generated']:,}  queue {p['queue']:,}  "
            f"depth {p['depth']}  {p['per_second']:,.0f} states/s  {p['seconds']:.0f}s"
            f"{_memory()}{_growth(p.get('levels') or [])}")


def _growth(levels: list[int]) -> str:
    """The last levels' sizes and how fast they grow: a ratio above 1 that holds means the
    next levels will be bigger still; below 1 means the search is nearing its end."""
    if len(levels) < 2:
        return ""
    ratio = f"  ×{levels[-1] / levels[-2]:.2f}" if levels[-2] else ""
    return "  levels " + " → ".join(f"{n:,}" for n in levels) + ratio


def _memory() -> str:
    """Resident memory of this process and its children (parallel workers), Linux only."""
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        me = os.getpid()
        total = _rss_pages(me)
        for pid in os.listdir("/proc"):
            if pid.isdigit() and _parent(pid) == me:
                total += _rss_pages(pid)
    except (OSError, ValueError):
        return ""
    return f"  mem {total * page / 2**20:,.0f} MB"


def _rss_pages(pid) -> int:
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1])


def _parent(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


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
