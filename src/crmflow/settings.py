"""Typed settings, read from ``CRMFLOW_*`` environment variables when asked for (never at import)."""

from __future__ import annotations

import re

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime limits and defaults. Each field can be set as ``CRMFLOW_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CRMFLOW_", extra="ignore")

    #: DuckDB memory limit; larger logs spill to ``temp_directory``.
    memory_limit: str = "1GB"
    #: DuckDB worker threads (0 = DuckDB's default: all cores).
    threads: int = 0
    #: Largest decompressed size accepted for ``.gz`` inputs, in bytes.
    max_decompressed_bytes: int = 8 * 1024**3
    #: Largest accepted ratio of decompressed to compressed size (decompression-bomb guard).
    max_compression_ratio: int = 200
    #: Longest CSV line accepted, in bytes (longer lines are quarantined).
    max_line_bytes: int = 2 * 1024**2
    #: Largest OCEL 2.0 JSON file accepted, in bytes (it is parsed whole).
    max_ocel_json_bytes: int = 256 * 1024**2
    #: Timezone of naive timestamps in inputs.
    timezone: str = "UTC"
    #: Language of everything a person reads: ``ru`` or ``en``.
    lang: str = "en"
    #: Time every stage of an audit (seconds, peak memory) and print one line per stage (``crmflow audit --profile``).
    profile: bool = False

    #: Seconds between the web app's periodic alert evaluations (``crmflow serve``); 0 turns them off.
    alert_interval_s: float = 300.0

    # --- CRM APIs (``crmflow pull``). Secrets come only from the environment and are never logged.
    #: Bitrix24 inbound webhook, ``https://<portal>/rest/<user_id>/<secret>/`` (the URL is the secret).
    bitrix24_webhook_url: SecretStr | None = None
    #: amoCRM/Kommo account address, e.g. ``https://example.amocrm.ru``.
    amocrm_base_url: str | None = None
    #: amoCRM/Kommo long-lived token or OAuth access token.
    amocrm_token: SecretStr | None = None
    #: HubSpot API address (change only for tests or a proxy).
    hubspot_base_url: str = "https://api.hubapi.com"
    #: HubSpot private-app access token.
    hubspot_token: SecretStr | None = None
    #: Salesforce instance, e.g. ``https://example.my.salesforce.com``.
    salesforce_instance_url: str | None = None
    #: Salesforce OAuth access token (session id).
    salesforce_token: SecretStr | None = None
    #: Salesforce REST API version used for queries.
    salesforce_api_version: str = "v59.0"
    #: Attempts per API request on 429 / 5xx / rate-limit answers before giving up.
    api_max_attempts: int = 6
    #: Longest wait between attempts, in seconds (a longer ``Retry-After`` is an error).
    api_max_wait_s: float = 120.0
    #: HTTP timeout per request, in seconds.
    api_timeout_s: float = 60.0


_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6, "mib": 2**20,
          "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12, "tib": 2**40}  # fmt: skip


def memory_bytes(limit: str) -> int | None:
    """A DuckDB memory limit in bytes (DuckDB's units: ``GB`` = 1000³, ``GiB`` = 1024³); None when not a size.

    >>> memory_bytes("1GB"), memory_bytes("512 MiB"), memory_bytes("1.5gb"), memory_bytes("80%")
    (1000000000, 536870912, 1500000000, None)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", limit)
    if m is None or m.group(2).lower() not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
