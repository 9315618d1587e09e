"""The signposting catalog (knowledge/support/services.yaml), validated on load."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from casebot.errors import CatalogError
from casebot.safety.models import CATEGORIES, NEEDS, Signpost

# UK numbers as people dial them: 999/112/101/111, 116 xxx, 0800/0808/0300 etc., 18000-style
# relay prefixes, five-digit text shortcodes, and mobile text numbers.
UK_PHONE = re.compile(
    r"^(999|112|101|111|116 ?\d{3}|0800 ?\d{4}|18000|18001 ?\d[\d ]+|0\d(?: ?\d){8,9}"
    r"|08 08 16 89 111)$"
)
# Retired numbers still copied around the web (Rape Crisis's old line, Samaritans' old
# number). Kept as digit groups so the deny-list itself is not a findable copy of them.
OUT_OF_DATE_NUMBERS: tuple[tuple[str, ...], ...] = (
    ("0808", "802", "9999"),
    ("08457", "90", "90", "90"),
)


def out_of_date_numbers_in(text: str) -> list[str]:
    """Retired numbers in a text, however they are spaced."""
    digits = re.sub(r"[\s-]", "", text)
    return [" ".join(groups) for groups in OUT_OF_DATE_NUMBERS if "".join(groups) in digits]


class Serve(BaseModel):
    """Whom a service is for: a category, a need or a level, with a priority (lower first)."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    need: str | None = None
    level: Literal["urgent"] | None = None
    when: list[str] = Field(default_factory=list)  # needs or co-occurring categories, all required
    priority: int = Field(ge=-5, le=20)
    place: Literal["first", "last"] = "first"

    @model_validator(mode="after")
    def _one_key(self) -> Serve:
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        if self.need is not None and self.need not in NEEDS:
            raise ValueError(f"unknown need {self.need!r}")
        unknown = sorted(set(self.when) - set(CATEGORIES) - set(NEEDS))
        if unknown:
            raise ValueError(f"`when` names unknown categories or needs {unknown}")
        if self.category is not None and (self.need is not None or self.level is not None):
            raise ValueError("an entry serves a category, or a need and/or level, not both")
        if self.category is None and self.need is None and self.level is None:
            raise ValueError("an entry serves a category, a need or a level")
        return self

    def applies(self, present: frozenset[str]) -> bool:
        return all(name in present for name in self.when)


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]+$")
    name: str = Field(min_length=2)
    phone: str | None = None
    text: str | None = None
    url: str | None = Field(default=None, pattern=r"^https://\S+$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    hours: str | None = None
    always_open: bool = False
    for_: str = Field(alias="for", min_length=3)
    description: str = Field(min_length=10)
    serves: list[Serve] = Field(min_length=1)
    topics: list[str] = Field(default_factory=list)  # patterns of factual questions it answers
    non_police: bool
    status: Literal["VERIFIED", "VERIFIED (secondary)"]
    source: str = Field(min_length=5)
    verified_on: dt.date

    @field_validator("phone")
    @classmethod
    def _uk_phone(cls, value: str | None) -> str | None:
        if value is not None and not UK_PHONE.match(value):
            raise ValueError(f"not a UK phone number format: {value!r}")
        return value

    @field_validator("topics")
    @classmethod
    def _valid_topics(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad topic pattern {pattern!r}: {exc}") from exc
        return value

    @property
    def categories(self) -> list[str]:
        """The categories it serves, in the order its entries name them."""
        return list(dict.fromkeys(e.category for e in self.serves if e.category))

    @model_validator(mode="after")
    def _reachable(self) -> Service:
        if not (self.phone or self.text or self.url):
            raise ValueError("a service needs a phone number, a text route or a url")
        for field_value in (self.phone, self.text, self.hours, self.description):
            for bad in out_of_date_numbers_in(field_value or ""):
                raise ValueError(f"out-of-date number {bad}")
        return self

    def signpost(self) -> Signpost:
        return Signpost(
            id=self.id,
            name=self.name,
            description=self.description,
            phone=self.phone,
            text=self.text,
            url=self.url,
            hours=self.hours,
        )


class Catalog:
    """Services in catalog order, with lookups by id and category."""

    def __init__(self, services: list[Service]) -> None:
        self.services = services
        self.by_id = {s.id: s for s in services}

    def for_category(self, category: str) -> list[Service]:
        return [s for s in self.services if category in s.categories]

    def missing_categories(self) -> list[str]:
        return [c for c in CATEGORIES if not self.for_category(c)]


REQUIRED_IDS = (
    "emergency-999",
    "silent-solution-55",
    "samaritans",
    "childline",
    "rape-crisis-247",
    "national-domestic-abuse-helpline",
)


def load_catalog(path: Path) -> Catalog:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read services catalog {path}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("services"), list):
        raise CatalogError(f"{path}: expected a mapping with a 'services' list")
    services, problems = _services(raw["services"])
    catalog = Catalog(services)
    problems += _gaps(catalog)
    if problems:
        raise CatalogError(f"{path} failed validation: " + "; ".join(problems))
    return catalog


def _services(entries: list[object]) -> tuple[list[Service], list[str]]:
    """The entries that validate, and what is wrong with the others, naming each."""
    services: list[Service] = []
    problems: list[str] = []
    for i, entry in enumerate(entries):
        try:
            services.append(Service.model_validate(entry))
        except ValidationError as exc:
            ident = entry.get("id", f"#{i}") if isinstance(entry, dict) else f"#{i}"
            problems += [
                f"{ident}: {'.'.join(map(str, e['loc']))} {e['msg']}" for e in exc.errors()
            ]
    return services, problems


def _gaps(catalog: Catalog) -> list[str]:
    """Duplicates, and the services and categories a safe answer cannot do without."""
    problems = []
    ids = [s.id for s in catalog.services]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate ids {duplicates}")
    missing = [i for i in REQUIRED_IDS if i not in catalog.by_id]
    if missing:
        problems.append(f"required services missing: {missing}")
    if catalog.missing_categories():
        problems.append(f"categories with no service: {catalog.missing_categories()}")
    return problems
