"""Logging: text or JSON lines, secrets redacted from every record in either format."""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime

_SECRET_ENV = ("OPENAI_API_KEY", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN")
_TOKEN_RE = re.compile(r"\b(xox[abpr]-[\w-]+|xapp-[\w-]+|sk-[\w-]{8,})")


def redact(text: str) -> str:
    """Replace known secret values and token-shaped strings with '[redacted]'."""
    clean = _TOKEN_RE.sub("[redacted]", text)
    for name in _SECRET_ENV:
        val = os.environ.get(name)
        if val and len(val) >= 6:
            clean = clean.replace(val, "[redacted]")
    return clean


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record: the message and any traceback or stack it carries.

    Redacting only the message (a Filter) would let a secret inside an exception's text through.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, secrets removed."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and, when there is one, exception; redacted.

    Each value is redacted before encoding, so a secret is caught even where JSON would escape it.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, secrets removed."""
        out = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "message": redact(record.getMessage())}
        if record.exc_info:
            out["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            out["exception"] = redact(record.exc_text)
        if record.stack_info:
            out["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(out, ensure_ascii=False)


def setup_logging(*, verbose: bool = False, fmt: str = "text") -> None:
    """Configure the root logger (stderr, redacted), as text or as JSON lines (fmt="json")."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpx2", "openai", "urllib3", "discord", "slack_bolt", "slack_sdk", "apscheduler", "arxiv"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
