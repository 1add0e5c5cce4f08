"""Presentation of check results: terminal, JSON and (later) ITF, Markdown, HTML, DOT, JUnit.
Reports read `checker.CheckResult`; they never drive the search."""
