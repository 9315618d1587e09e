"""The eval suite: datasets, deterministic metrics, a vanilla peer and CI gating."""
