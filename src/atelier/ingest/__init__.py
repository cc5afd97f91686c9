"""Ingest: read Civitai items from dumps or the live API, normalise, link, upsert."""
