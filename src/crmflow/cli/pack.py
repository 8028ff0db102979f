"""``crmflow pack``: the audit pack generated from a To-Be definition."""

from __future__ import annotations

from crmflow.cli.main import app  # noqa: F401  (commands register on it)
