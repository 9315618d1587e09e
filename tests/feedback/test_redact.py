"""Personal details never reach the feedback table."""

from __future__ import annotations

import pytest

from casebot.feedback.redact import redact


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("email me at jo.bloggs+casey@example.co.uk please", "email me at [email] please"),
        ("ring 07700 900123 any time", "ring [phone] any time"),
        ("my landline is 020-7946-0018", "my landline is [phone]"),
        ("call +44 20 7946 0018", "call [phone]"),
        ("I live near SW1A 1AA", "I live near [postcode]"),
        ("postcode e16an", "postcode [postcode]"),
        ("I'm at 12 Acacia Avenue now", "I'm at [address] now"),
        ("Flat 3, 41b Old Kent Road", "[address], [address]"),
        ("my name is Jo Bloggs and it helped", "my name is [name] and it helped"),
        ("My name is sam smith, thanks", "My name is [name], thanks"),
        ("Call me Alex. The quote was right.", "Call me [name]. The quote was right."),
    ],
    ids=["email", "mobile", "dashed landline", "international", "postcode", "postcode unspaced", "street address", "flat", "name", "lower-case name", "call me"],
)
def test_each_kind_of_personal_detail_is_replaced_by_its_label(comment: str, expected: str) -> None:
    assert redact(comment) == expected


@pytest.mark.parametrize(
    "comment",
    [
        "The answer about 1,809 officers was spot on",
        "Page 12 of the 2023 report says so",
        "It didn't tell me how to complain to the IOPC",
        "please call me back if it changes",
    ],
)
def test_comments_without_personal_details_are_kept_whole(comment: str) -> None:
    assert redact(comment) == comment
