"""Data quality of CRM entities: validity, completeness, duplicates, consistency, reconciliation."""
