"""What feedback is stored: the table, and the ratings and reasons a client may send."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Rating = Literal["up", "down"]
# One fixed list, so a reason can be counted; free text goes in the (redacted) comment.
Reason = Literal[
    "accurate",
    "clear",
    "found_support",
    "inaccurate",
    "unclear",
    "not_relevant",
    "missing_information",
    "upsetting",
    "other",
]
REASONS: tuple[str, ...] = get_args(Reason)
# The reasons the widget offers with each thumb; any reason is accepted with either.
UP_REASONS = ("accurate", "clear", "found_support", "other")
DOWN_REASONS = (
    "inaccurate",
    "unclear",
    "not_relevant",
    "missing_information",
    "upsetting",
    "other",
)
MAX_COMMENT = 500
# What a visitor reads for each reason; the widget is sent these with the reasons above, so
# the list it offers is always the list the API accepts.
REASON_LABELS: dict[str, str] = {
    "accurate": "It was accurate",
    "clear": "It was clear",
    "found_support": "It helped me find support",
    "inaccurate": "Something in it was wrong",
    "unclear": "It was hard to follow",
    "not_relevant": "It did not answer my question",
    "missing_information": "Something was missing",
    "upsetting": "It was upsetting",
    "other": "Something else",
}


def widget_choices() -> dict[str, object]:
    """The reasons offered with each thumb, labelled, and the comment's length limit."""

    def labelled(reasons: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"id": r, "label": REASON_LABELS[r]} for r in reasons]

    return {"up": labelled(UP_REASONS), "down": labelled(DOWN_REASONS), "max_comment": MAX_COMMENT}


class Base(DeclarativeBase):
    pass


class FeedbackRow(Base):
    """One rating. Times are UTC without a zone, the same in SQLite and Postgres."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(String(32), index=True)
    rating: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(String(32))
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False), index=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


@dataclass(frozen=True)
class FeedbackEntry:
    """A rating as the store receives it: the comment is already redacted."""

    answer_id: str
    rating: Rating
    reason: Reason
    tenant: str
    comment: str | None
    created_at: dt.datetime


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
