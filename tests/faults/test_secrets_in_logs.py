"""No secret from the environment reaches the output, even in verbose runs that fail with tracebacks.

`paperbot -v` (DEBUG logging for our code and the SDKs: slack_sdk and openai log request details there)
runs against local fakes that reject the key, fail the posts, or refuse the connection; everything the
process writes to stdout and stderr is scanned for every secret value, and for its first 12 characters.
"""

from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.core.models import ListingEntry
from tests.fakes.arxiv_server import ArxivServer, render_rss
from tests.fakes.openai_server import FakeOpenAI, HTTPError
from tests.fakes.slack_api import FakeSlack
from tests.test_daily_e2e import DAY, recorded_answer, seed_day, write_config

SECRETS = {  # not all token-shaped: the redactor must know them by value, not only by pattern
    "OPENAI_API_KEY": "sk-proj-Secret0penAIkey0123456789",
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-SecretSlackBotToken",
    "SLACK_APP_TOKEN": "xapp-1-A111-3333-SecretAppToken",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888SIGNINGSECRETzz",
    "DISCORD_TOKEN": "MTQ1NjQ.GsEcReT.discord-token-value-xyz",
}


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every secret set in the environment, as in production."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def assert_clean(text: str) -> None:
    """No secret (nor a 12-character prefix of one) in `text`."""
    for name, value in SECRETS.items():
        assert value not in text and value[:12] not in text, f"{name} leaked: …{text[text.find(value[:12]) - 80:][:200]}"


def config_for(tmp_path, arxiv: ArxivServer, slack: FakeSlack, openai: FakeOpenAI, monkeypatch) -> str:
    """The e2e config with Slack at the fake and Discord at a closed local port (connection refused)."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai.base_url)
    cfg = write_config(tmp_path, arxiv)
    text = cfg.read_text().replace('api_url = "https://slack.com/api/"', f'api_url = "{slack.base_url}"')
    text = text.replace('api_url = "https://discord.com/api/v10"', 'api_url = "http://127.0.0.1:9/api/v10"')
    text = text.replace("slack_channels = []", 'slack_channels = ["C111"]')
    cfg.write_text(text.replace("discord_channels = []", 'discord_channels = ["42"]'))
    return str(cfg)


def echoing_401(request: dict) -> HTTPError:
    """A 401 whose message quotes the key, as some OpenAI-compatible servers do."""
    return HTTPError(401, f"Incorrect API key provided: {SECRETS['OPENAI_API_KEY']}", code="invalid_api_key")


def test_verbose_daily_whose_key_is_rejected_and_quoted_back(tmp_path, capsys, monkeypatch, secret_env,
                                                             arxiv_server: ArxivServer, openai_server: FakeOpenAI,
                                                             slack_api: FakeSlack) -> None:
    papers, _ = seed_day()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers[:8]], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    openai_server.answer = echoing_401
    # Discord is left out here: the doctor test below covers its token (a failing Discord stops a run).
    monkeypatch.delenv("DISCORD_TOKEN")
    cfg = config_for(tmp_path, arxiv_server, slack_api, openai_server, monkeypatch)
    main(["--config", cfg, "-v", "daily", "--date", DAY.isoformat()])
    out = capsys.readouterr()
    assert "DEBUG" in out.err, "a verbose run logs at DEBUG"
    assert_clean(out.out + out.err)


def test_verbose_daily_whose_posts_fail(tmp_path, capsys, monkeypatch, secret_env, arxiv_server: ArxivServer,
                                        openai_server: FakeOpenAI, slack_api: FakeSlack) -> None:
    papers, recorded = seed_day()
    arxiv_server.rss("cs.LG+cs.AI", render_rss([ListingEntry(p, "new") for p in papers[:8]], day=DAY,
                                                 categories="cs.LG+cs.AI"))
    openai_server.answer = recorded_answer(recorded)
    slack_api.fail("chat.postMessage", status=500)
    monkeypatch.delenv("DISCORD_TOKEN")
    cfg = config_for(tmp_path, arxiv_server, slack_api, openai_server, monkeypatch)
    main(["--config", cfg, "-v", "daily", "--date", DAY.isoformat()])
    out = capsys.readouterr()
    assert slack_api.calls_to("chat.postMessage", ok_only=False), "the posts were tried, with the token"
    assert any(SECRETS["SLACK_BOT_TOKEN"] in c.headers.get("Authorization", "") for c in slack_api.calls)
    assert_clean(out.out + out.err)


def test_verbose_doctor_and_ask_with_unreachable_platforms(tmp_path, capsys, monkeypatch, secret_env,
                                                           arxiv_server: ArxivServer, openai_server: FakeOpenAI,
                                                           slack_api: FakeSlack) -> None:
    openai_server.answer = lambda r: HTTPError.unauthorized()
    slack_api.fail("auth.test", status=500)
    cfg = config_for(tmp_path, arxiv_server, slack_api, openai_server, monkeypatch)
    main(["--config", cfg, "-v", "doctor"])
    main(["--config", cfg, "-v", "ask", "/explain 2601.18089 why?"])
    out = capsys.readouterr()
    assert "DEBUG" in out.err
    assert_clean(out.out + out.err)
