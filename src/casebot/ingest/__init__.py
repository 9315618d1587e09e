"""Ingestion: knowledge files in, chunks and an index out."""
