"""Typed settings, read from ``CRMFLOW_*`` environment variables when asked for (never at import)."""

from __future__ import annotations

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


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
