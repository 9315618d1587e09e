"""Feedback on answers: a rating, a reason and a redacted comment, never the conversation."""
