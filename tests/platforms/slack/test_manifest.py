"""slack/manifest.yml is the registry's commands, plus the scopes, events and settings the adapter needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.platforms.slack.manifest import build_manifest, main, manifest_yaml
from handlers.service import BotService
from tests.platforms.slack.conftest import SlackEnv

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yml"
# Slack's built-in commands, which an app cannot register (slack.com/help/articles/201259356).
RESERVED = {"me", "status", "away", "dnd", "shrug", "remind", "msg", "feed", "who", "collapse", "expand", "leave",
            "join", "open", "search", "topic", "mute", "pro", "shortcuts", "invite", "archive", "rename", "remove"}


def test_manifest_commands_are_the_registry_commands(env: SlackEnv):
    service: BotService = env.service
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    listed = manifest["features"]["slash_commands"]
    assert [c["command"] for c in listed] == [f"/{s.name}" for s in service.commands]
    assert {"/papers", "/criteria", "/explain"} <= {c["command"] for c in listed}
    for entry, spec in zip(listed, service.commands, strict=True):
        assert entry["description"] == spec.help
        assert spec.usage.endswith(entry["usage_hint"])
        assert entry["should_escape"] is False
        assert spec.name not in RESERVED
    # The whole file is the generator's output: regenerate with
    #   python -m bot.platforms.slack.manifest > slack/manifest.yml
    assert MANIFEST.read_text(encoding="utf-8") == manifest_yaml(service.commands)


def test_manifest_has_the_scopes_events_and_settings_the_adapter_uses():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "chat:write.public", "reactions:read", "files:write", "im:write",
            "app_mentions:read", "links:read", "links:write", "channels:history", "groups:history"} == scopes
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["reaction_added", "reaction_removed", "app_mention",
                                                             "link_shared"]
    assert manifest["features"]["unfurl_domains"] == ["arxiv.org"]  # link_shared comes only for these
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert "# upload the weekly chart image" in MANIFEST.read_text(encoding="utf-8")  # every scope says why


def test_http_mode_manifest_points_everything_at_the_events_url(env: SlackEnv, capsys):
    url = "https://bot.example.org/slack/events"
    data = build_manifest(env.service.commands, request_url=url)
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["settings"]["event_subscriptions"]["request_url"] == url
    assert data["settings"]["interactivity"]["request_url"] == url
    assert {c["url"] for c in data["features"]["slash_commands"]} == {url}
    main(["--request-url", url])
    assert yaml.safe_load(capsys.readouterr().out) == data
