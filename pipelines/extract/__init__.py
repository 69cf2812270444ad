"""Extraction: source specs, file reading, typed landing with quarantine, and the Dagster assets."""
