"""Logging: secrets never reach the log, not even inside a traceback."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import setup_logging


@pytest.fixture
def root_logging():
    """setup_logging replaces the root handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_secrets_are_redacted_from_messages_and_tracebacks(root_logging, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.discord-secret-value")
    setup_logging()
    log = logging.getLogger("paperbot.test")
    log.warning("token is %s", "MTIz.discord-secret-value")
    try:
        raise RuntimeError("login with xoxb-1234-abcd failed for MTIz.discord-secret-value")
    except RuntimeError:
        log.exception("start failed")
    err = capsys.readouterr().err
    assert "start failed" in err and "RuntimeError: login with [redacted] failed for [redacted]" in err
    assert "discord-secret-value" not in err and "xoxb-1234" not in err
