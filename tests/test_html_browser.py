"""The `--html` page in a real browser (headless Chromium from the distribution): it loads
without a console message, and its sequence diagram draws one arrow per message step,
each with a length and its label, and a lifeline per process. Skipped only when
/usr/bin/chromium is absent (`apt-get install chromium`)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium at /usr/bin/chromium")

# Appended to a copy of the page: measure what the browser drew and write it into the DOM,
# which --dump-dom prints once the page has loaded.
PROBE = """<script>
const drawn = (sel) => [...document.querySelectorAll(sel)].map(e => {
  const g = e.parentNode, b = e.getBBox();
  return [Math.round(b.width), Math.round(b.height), (g.querySelector('text') || {}).textContent || ''];
});
document.body.setAttribute('data-probe', JSON.stringify({
  arrows: drawn('svg line.msg'), local: drawn('svg rect.local'), lifelines: drawn('svg g.lifeline line'),
  cycle: drawn('svg line.cycle'),
  rows: [...document.querySelectorAll('tr')].map(r => [r.className, r.getBoundingClientRect().height > 0, r.innerText])}));
</script>"""


def chromium(page: str, tmp_path) -> tuple[str, str]:
    profile = tmp_path / f"profile-{len(os.listdir(tmp_path))}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           "--enable-logging=stderr", "--v=0", "--dump-dom", f"file://{page}"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout, p.stderr


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def html_report(tmp_path, *args: str) -> str:
    out = tmp_path / "page.html"
    env = dict(os.environ, PYTHONPATH=ROOT)
    p = subprocess.run([sys.executable, "-m", "checker", "check", *args, "--quiet", "--html", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    return str(out)


def probe(page: str, tmp_path) -> dict:
    probed = tmp_path / "probed.html"
    probed.write_text(open(page, encoding="utf-8").read().replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom, stderr = chromium(str(probed), tmp_path)
    assert console_messages(stderr) == []
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[:2000]
    return json.loads(html.unescape(found.group(1)))


def test_the_readme_example_page_loads_cleanly_and_draws_each_message(tmp_path):
    page = html_report(tmp_path, "kafka-producer-no-idempotence-duplicates")
    drawn = probe(page, tmp_path)  # the page as written plus a probe that logs nothing: no console message
    # send · leader_append · disconnect · send · leader_append: two requests cross the wire
    assert [label for _, _, label in drawn["arrows"]] == ["1. Produce b0", "4. Produce b0"]
    assert all(width > 100 for width, _, _ in drawn["arrows"])
    assert [label for _, _, label in drawn["local"]] == [
        "2. b0 appended at offset 0", "3. connection dropped: in-flight batches retried", "5. b0 appended at offset 1"]
    assert len(drawn["lifelines"]) == 2 and all(height > 100 for _, height, _ in drawn["lifelines"])


def test_requests_and_responses_are_told_apart(tmp_path):
    page = html_report(tmp_path, "kafka-producer-no-idempotence-reorder")
    drawn = probe(page, tmp_path)
    # send b0 · send b1 · leader_error(b0) · receive (b0's error) · send b0 (retry) · append b1 · append b0
    assert [label for _, _, label in drawn["arrows"]] == [
        "1. Produce b0", "2. Produce b1", "4. b0: retriable error", "5. Produce b0"]


def test_a_lasso_page_shows_where_the_cycle_starts_and_the_step_back(tmp_path):
    """A liveness counterexample (built by hand: client 0 pings 1 and 1 answers, forever):
    the dashed line where the cycle starts spans the diagram, the step back is an arrow, and
    the table's two marker rows are drawn."""
    from checker.result import CheckResult, Step, Violation
    from reports.html import write_html

    def send(src, dst, n):
        return Step(f"send(src={src}, dst={dst})", (src, dst, n), "send", {"src": src, "dst": dst})

    trace = [Step("init", (0, 0, 0)), send(0, 1, 1), send(1, 0, 2), send(0, 1, 3)]
    v = Violation("liveness", "quiet", "the ping-pong never ends", trace, loop=2, loop_step=send(1, 0, 2))
    r = CheckResult("violation", 4, 4, 3, 0.1, "PingPong", {}, [], {}, [v], properties=["quiet"], transitions=4)
    page = tmp_path / "lasso.html"
    write_html(r, str(page), spec=object(), title="ping-pong")
    drawn = probe(str(page), tmp_path)
    assert [label for _, _, label in drawn["arrows"]] == ["1. send", "2. send", "3. send", "↻ 2. send"]
    assert all(width > 100 for width, _, _ in drawn["arrows"])
    assert [label for _, _, label in drawn["cycle"]] == ["⟳ the cycle starts here"]
    assert drawn["cycle"][0][0] > drawn["arrows"][0][0]  # across every lifeline, wider than one arrow
    marks = [(cls, text.split("\t")[:2]) for cls, shown, text in drawn["rows"] if cls and shown]
    assert marks == [("cycle-start", ["⟳", "the cycle starts here"]), ("cycle-end", ["↻", "back to step 2 by send(src=1, dst=0)"])]
