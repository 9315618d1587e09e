"""Retrieval: embeddings, the Chroma store, BM25, and their fusion."""
