"""Logging: one format, secrets redacted from every record."""

from __future__ import annotations

import logging
import os
import re

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


def setup_logging(*, verbose: bool = False) -> None:
    """Configure the root logger once (stderr, redacted)."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpx2", "openai", "urllib3", "discord", "slack_bolt", "slack_sdk", "apscheduler", "arxiv"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
