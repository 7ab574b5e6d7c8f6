"""The dossiers' importer: checking one dossier record and writing a batch of them (dossiers)."""
