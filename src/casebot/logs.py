"""JSON log lines, one object a line, for casebot and the uvicorn server that runs it.

Private by default: a record carries its logger's message and the fields casebot chose to
add (`extra={"fields": {...}}`), never an exception's message or a traceback's text (either
may repeat what a person wrote), only the exception's type and where it was raised.
uvicorn's access log is switched off; casebot's own access line (api/middleware.py) holds
no client address and no query string.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from typing import Any

FIELDS = "fields"  # the `extra` key whose dict is merged into the JSON object


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = _error(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False, default=str)


def _error(exc: BaseException) -> dict[str, Any]:
    """The exception's type and its frames (file, line, function), never its message."""
    frames = traceback.extract_tb(exc.__traceback__)[-8:]
    return {
        "type": type(exc).__name__,
        "at": [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames],
    }


def log_config(level: str = "info") -> dict[str, Any]:
    """A logging.config dict for casebot and uvicorn: JSON lines on stderr, no access log."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "loggers": {
            "casebot": {"handlers": ["stderr"], "level": upper, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            # Replaced by casebot.access: uvicorn's line holds the client address and the
            # query string.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
