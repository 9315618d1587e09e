"""casebot: grounded, cited answers about the Baroness Casey Review, with safe signposting."""

__version__ = "0.1.0"
