"""The units' importer: units upserted by code from a Table (units)."""
