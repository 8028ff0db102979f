"""``crmflow import``: CRM exports and API responses into a project store."""

from __future__ import annotations

from crmflow.cli.main import app  # noqa: F401  (commands register on it)
