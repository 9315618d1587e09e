"""Answering: compose a grounded, cited answer from retrieved chunks."""
