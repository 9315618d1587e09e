"""Reading Server-Sent Events as a client does (the WHATWG rules casebot's streams use)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    name: str  # "message" when the event has no `event:` field
    data: str
    comments: tuple[str, ...] = ()  # comment lines (heartbeats) seen since the last event

    def json(self) -> Any:
        return json.loads(self.data)


def events(lines: Iterable[str]) -> Iterator[Event]:
    """Events from decoded lines (as httpx's iter_lines gives them), comments kept."""
    name, data, comments = "message", [], []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield Event(name, "\n".join(data), tuple(comments))
                comments = []
            name, data = "message", []
        elif line.startswith(":"):
            comments.append(line[1:].strip())
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    if data:
        yield Event(name, "\n".join(data), tuple(comments))


def parse(body: str) -> list[Event]:
    return list(events(body.replace("\r\n", "\n").split("\n")))
