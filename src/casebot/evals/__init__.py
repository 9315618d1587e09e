"""The eval suite: datasets, deterministic metrics, a vanilla peer and CI gating.

Where its data lives is defined here, light, so `casebot --help` can show the defaults
without importing the suite.
"""

from pathlib import Path

# Re-exported: the suite's defaults read from one place.
from casebot.config import DEFAULT_REPORT_DIR as DEFAULT_REPORT_DIR

EVALS_DIR = Path(__file__).resolve().parents[3] / "evals"
DATASETS_DIR = EVALS_DIR / "datasets"
# The team's qa and conversation sets; the labelled safety messages (dev and sealed test,
# by author); the qa and conversation author sets, whose questions are checked for refusal.
DEFAULT_DATASETS = tuple(
    DATASETS_DIR / name
    for name in ("qa.yaml", "conversations.yaml", "safety", "qa", "conversations")
)
SAFETY_EXPECTATIONS = EVALS_DIR / "safety_expectations.yaml"
DEFAULT_BASELINE = EVALS_DIR / "baseline.json"
FLOORS = EVALS_DIR / "floors.yaml"
DEFAULT_TOLERANCE = 0.02  # how far below the baseline a 0..1 metric may fall
