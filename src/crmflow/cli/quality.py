"""``crmflow quality``: data-quality checks of CRM entities."""

from __future__ import annotations

from crmflow.cli.main import app  # noqa: F401  (commands register on it)
