"""Presentation of check results (terminal, JSON, ITF, Markdown, HTML, DOT, JUnit) and the
model suite behind `protocheck ci` (manifest, runner, change selection). Reports read
`checker.CheckResult`; they never drive the search. See reports/README.md."""
