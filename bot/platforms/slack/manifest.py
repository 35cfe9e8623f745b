"""The Slack app manifest, generated from the command registry (slack/manifest.yml is its output).

    python -m bot.platforms.slack.manifest > slack/manifest.yml                  # Socket Mode (default)
    python -m bot.platforms.slack.manifest --request-url https://bot.example.org/slack/events  # HTTP mode
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from handlers.registry import CommandSpec

NAME = "paperbot"
DESCRIPTION = "Your team's daily arXiv picks, votes by reaction, and /papers, /criteria, /explain."
# Every scope, and why the bot needs it (written into the manifest as comments).
SCOPES: tuple[tuple[str, str], ...] = (
    ("commands", "the slash commands"),
    ("chat:write", "post the digest and answers; delete the half of a split post that failed"),
    ("chat:write.public", "post to a public channel the bot was not invited to"),
    ("reactions:read", "receive reaction_added / reaction_removed: reactions are the votes"),
    ("files:write", "upload the weekly chart image and /papers export files"),
    ("im:write", "send a private /papers export file in a direct message (conversations.open)"),
    ("app_mentions:read", "receive app_mention: @paperbot questions in a paper's thread"),
    ("links:read", "receive link_shared for arxiv.org links"),
    ("links:write", "unfurl an arxiv.org link into the paper's card (chat.unfurl)"),
    ("channels:history", "read a thread's first message when asked about a paper under a post it has no record of; "
                         "after a crash, find the bot's own posts (message metadata) to record them, not post again"),
    ("groups:history", "the same in private channels"),
)
EVENTS = ("reaction_added", "reaction_removed", "app_mention", "link_shared")
UNFURL_DOMAINS = ("arxiv.org",)
DESCRIPTION_LIMIT = 2000  # Slack's limits for a slash command's description and usage hint
USAGE_HINT_LIMIT = 1000


def usage_hint(spec: CommandSpec) -> str:
    """The usage line without the command itself: what Slack shows after "/papers"."""
    usage = spec.usage.strip()
    head = f"/{spec.name}"
    return usage[len(head):].strip() if usage.startswith(head) else usage


def slash_commands(specs: Sequence[CommandSpec], *, request_url: str | None = None) -> list[dict[str, Any]]:
    """The manifest's slash_commands entries, one per registered command, in registry order."""
    out = []
    for s in specs:
        entry: dict[str, Any] = {"command": f"/{s.name}", "description": s.help[:DESCRIPTION_LIMIT]}
        if request_url:
            entry["url"] = request_url
        hint = usage_hint(s)[:USAGE_HINT_LIMIT]
        if hint:
            entry["usage_hint"] = hint
        entry["should_escape"] = False
        out.append(entry)
    return out


def build_manifest(specs: Sequence[CommandSpec], *, request_url: str | None = None) -> dict[str, Any]:
    """The whole manifest as data (Socket Mode unless a request URL is given)."""
    events: dict[str, Any] = {"bot_events": list(EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        events = {"request_url": request_url, **events}
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {"name": NAME, "description": DESCRIPTION, "background_color": "#1d3557"},
        "features": {
            "bot_user": {"display_name": NAME, "always_online": True},
            "slash_commands": slash_commands(specs, request_url=request_url),
            "unfurl_domains": list(UNFURL_DOMAINS),
        },
        "oauth_config": {"scopes": {"bot": [s for s, _ in SCOPES]}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not request_url,
            "token_rotation_enabled": False,
        },
    }


def _scalar(v: Any) -> str:
    # JSON scalars are valid YAML flow scalars; strings are always quoted so "/papers" or "#1d…" stay text.
    return json.dumps(v, ensure_ascii=False)


def _emit(node: Any, indent: int, lines: list[str], comments: dict[str, str]) -> None:
    pad = "  " * indent
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, dict | list) and v:
                lines.append(f"{pad}{k}:")
                _emit(v, indent + 1, lines, comments)
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
    else:
        for item in node:
            if isinstance(item, dict):
                first = True
                for k, v in item.items():
                    lead = f"{pad}- " if first else f"{pad}  "
                    lines.append(f"{lead}{k}: {_scalar(v)}")
                    first = False
            else:
                note = f"  # {comments[item]}" if item in comments else ""
                lines.append(f"{pad}- {_scalar(item)}{note}")


def manifest_yaml(specs: Sequence[CommandSpec], *, request_url: str | None = None) -> str:
    """The manifest as YAML text, scopes commented with the reason the bot needs each."""
    lines = [
        "# Slack app manifest for paperbot. GENERATED from the command registry — do not edit by hand:",
        "#   python -m bot.platforms.slack.manifest > slack/manifest.yml",
        "# Create the app at https://api.slack.com/apps → Create New App → From a manifest, paste this file.",
        "# HTTP mode instead of Socket Mode: add --request-url https://<your host>/slack/events.",
    ]
    _emit(build_manifest(specs, request_url=request_url), 0, lines, dict(SCOPES))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Print the manifest for the registered commands."""
    import handlers.commands  # noqa: F401 - registers the commands
    from handlers.registry import REGISTRY

    p = argparse.ArgumentParser(description="Print paperbot's Slack app manifest (YAML).")
    p.add_argument("--request-url", help="HTTP mode: the public URL of POST /slack/events")
    args = p.parse_args(argv)
    print(manifest_yaml(REGISTRY.slash_commands(), request_url=args.request_url), end="")


if __name__ == "__main__":
    main()
