"""Safety: deterministic risk assessment and signposting, decided before retrieval."""
