"""CRM source adapters: vendor exports and API responses into the canonical store."""
