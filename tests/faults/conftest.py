"""The fault suite reuses the platform fixtures: fake Slack and Discord on 127.0.0.1 with the real SDKs."""

from tests.platforms.discord.conftest import adapter, config, fake, service  # noqa: F401 (pytest fixtures)
from tests.platforms.slack.conftest import env, slack_api  # noqa: F401 (pytest fixtures)
