"""The on-disk index version: its format, written by ingest and read by retrieval.

models (Block, Document, Chunk), layout (versions and the CURRENT pointer), manifest (what
a version was built from), store (the Chroma collection), lexical (BM25), spelling (query
repair against the corpus vocabulary), version (write and read a whole version).
"""
