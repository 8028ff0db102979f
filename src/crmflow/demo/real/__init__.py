"""Object models, column mappings and audit rules for the public CRM data sets (no data: see docs/real-data.md)."""
