"""Logging: secrets never reach the log, not even inside a traceback."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pytest

from bot.__main__ import main
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


def test_json_lines_carry_level_logger_message_time_and_exception_without_secrets(root_logging, capsys,
                                                                                  monkeypatch) -> None:
    # A secret with characters JSON escapes: redacting the encoded line would miss it.
    secret = 'MTIz"disc\\ord-sécret-value'
    monkeypatch.setenv("DISCORD_TOKEN", secret)
    setup_logging(fmt="json")
    log = logging.getLogger("paperbot.test")
    log.warning("token is %s and %s", secret, "xoxb-1234-abcd")
    try:
        raise RuntimeError(f"login with {secret} failed")
    except RuntimeError:
        log.exception("start failed")
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(r["level"], r["logger"]) for r in lines] == [("WARNING", "paperbot.test"), ("ERROR", "paperbot.test")]
    assert lines[0]["message"] == "token is [redacted] and [redacted]" and "exception" not in lines[0]
    assert lines[1]["message"] == "start failed"
    assert "RuntimeError: login with [redacted] failed" in lines[1]["exception"]
    assert datetime.fromisoformat(lines[0]["time"]).tzinfo is not None
    assert "sécret" not in err and "s\\u00e9cret" not in err and "xoxb-1234" not in err


def test_log_format_from_the_flag_or_the_config(root_logging, capsys, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text((Path(__file__).resolve().parents[1] / "config.toml").read_text()
                      .replace('path = "data/paperbot.db"', f'path = "{tmp_path / "none.db"}"'))
    logger = logging.getLogger("paperbot.test")
    main(["--config", str(config), "--log-format", "json", "export"])
    capsys.readouterr()
    logger.warning("as json")
    assert json.loads(capsys.readouterr().err)["message"] == "as json"
    config.write_text(config.read_text().replace('log_format = "text"', 'log_format = "json"'))
    main(["--config", str(config), "export"])
    capsys.readouterr()
    logger.warning("from the config")
    assert json.loads(capsys.readouterr().err)["message"] == "from the config"
    main(["--config", str(config), "--log-format", "text", "export"])
    capsys.readouterr()
    logger.warning("as text")
    assert capsys.readouterr().err.rstrip().endswith("WARNING paperbot.test: as text")
