"""load_config(path, environ) -> frozen Config; every error names the key that is wrong."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.config_reader import WEEKDAYS, ConfigError, TomlReader  # noqa: F401 - re-exported
from bot.core.categories import is_known_category
from bot.core.models import ANNOUNCE_TYPES, Criteria
from bot.core.votes import VoteEmoji


@dataclass(frozen=True)
class StorageConfig:
    path: str = "data/paperbot.db"


@dataclass(frozen=True)
class ArxivConfig:
    categories: tuple[str, ...] = ("cs.LG", "cs.AI")
    announce_types: tuple[str, ...] = ("new", "cross")
    rss_url: str = "https://rss.arxiv.org/rss/{categories}"
    api_url: str = "https://export.arxiv.org/api/query"
    html_url: str = "https://arxiv.org/html/{id}"
    timeout_s: float = 30.0
    min_interval_s: float = 3.0
    oai_url: str = "https://oaipmh.arxiv.org/oai"


@dataclass(frozen=True)
class StartupConfig:
    backfill_days: int = 7  # announcement days fetched and scored on an empty store (0: none)
    post_latest: bool = True  # post the latest of them once, when the backfill is done


@dataclass(frozen=True)
class LLMConfig:
    model: str = "gpt-5-mini"
    base_url: str = ""
    api_key: str = field(default="", repr=False)  # from OPENAI_API_KEY only
    timeout_s: float = 60.0
    max_retries: int = 2
    price_prompt_per_m: float = 0.25
    price_completion_per_m: float = 2.0
    price_cached_per_m: float = 0.025
    batch_size: int = 50
    concurrency: int = 4
    max_abstract_chars: int = 600
    json_mode: str = "schema"

    @property
    def enabled(self) -> bool:
        """An LLM is configured when there is a key or a custom (local) server."""
        return bool(self.api_key or self.base_url)


@dataclass(frozen=True)
class ScheduleConfig:
    timezone: str = "UTC"
    daily_time: str = "09:00"
    weekly_day: str = "fri"
    weekly_time: str = "16:00"
    misfire_grace_s: int = 6 * 3600


@dataclass(frozen=True)
class SlackConfig:
    api_url: str = "https://slack.com/api/"
    mode: str = "socket"  # "socket" | "http"
    port: int = 3000
    up_emoji: tuple[str, ...] = ("+1", "thumbsup", "arrow_up", "fire")
    down_emoji: tuple[str, ...] = ("-1", "thumbsdown", "arrow_down")
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)

    @property
    def enabled(self) -> bool:
        """Slack runs when a bot token is set."""
        return bool(self.bot_token)

    @property
    def vote_emoji(self) -> VoteEmoji:
        """The reactions that vote on Slack."""
        return VoteEmoji(self.up_emoji, self.down_emoji)


@dataclass(frozen=True)
class DiscordConfig:
    api_url: str = "https://discord.com/api/v10"
    guilds: tuple[str, ...] = ()
    up_emoji: tuple[str, ...] = ("👍", "⬆️", "🔥")
    down_emoji: tuple[str, ...] = ("👎", "⬇️")
    token: str = field(default="", repr=False)

    @property
    def enabled(self) -> bool:
        """Discord runs when a token is set."""
        return bool(self.token)

    @property
    def vote_emoji(self) -> VoteEmoji:
        """The reactions that vote on Discord."""
        return VoteEmoji(self.up_emoji, self.down_emoji)


@dataclass(frozen=True)
class OpsConfig:
    health_port: int = 0  # 0: no health/metrics endpoint
    health_host: str = "0.0.0.0"
    log_format: str = "text"  # "text" | "json"
    shutdown_grace_s: float = 30.0


@dataclass(frozen=True)
class TeamConfig:
    name: str
    criteria: Criteria
    # The team's channel ids by platform name: `slack_channels`, `discord_channels`, `console = true`
    # (as {"console": ("console",)}) and [teams.channels] of config.toml all land here.
    channels: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {"console": ("console",)})
    editors: tuple[str, ...] = ()  # "slack:U123", "discord:456", "discord-role:Leads", "console:alice"
    timezone: str = ""
    daily_time: str = ""
    weekly_day: str = ""
    weekly_time: str = ""

    def channels_on(self, platform: str) -> tuple[str, ...]:
        """The team's channels on the platform called `platform` (none when it has none there)."""
        return self.channels.get(platform, ())


@dataclass(frozen=True)
class Config:
    storage: StorageConfig
    arxiv: ArxivConfig
    llm: LLMConfig
    schedule: ScheduleConfig
    slack: SlackConfig
    discord: DiscordConfig
    teams: tuple[TeamConfig, ...]
    source: str = "<defaults>"
    ops: OpsConfig = field(default_factory=OpsConfig)
    startup: StartupConfig = field(default_factory=StartupConfig)

    def team(self, name: str | None) -> TeamConfig:
        """The named team, or the first one when name is None."""
        if name is None:
            return self.teams[0]
        for t in self.teams:
            if t.name.lower() == name.lower():
                return t
        raise ConfigError(f"no team named {name!r} (teams: {', '.join(t.name for t in self.teams)})")

    def team_timezone(self, team: TeamConfig) -> str:
        """The team's IANA timezone, else [schedule].timezone: its days and weeks begin there."""
        return team.timezone or self.schedule.timezone

    def team_for_channel(self, platform: str, channel: str) -> TeamConfig | None:
        """The team that posts to this channel, if any."""
        if platform == "console" and self.teams:
            return self.teams[0]  # one terminal for every team: its commands are the first team's
        for t in self.teams:
            if channel in t.channels_on(platform):
                return t
        return None


def default_config_text() -> str:
    """The commented config.toml shipped inside the package (also the repo's config.toml)."""
    return resources.files("bot").joinpath("defaults/config.toml").read_text(encoding="utf-8")


@cache
def _default_criteria() -> Mapping[str, Any]:
    """The documented default criteria: the `[teams.criteria]` of the shipped config.toml."""
    return tomllib.loads(default_config_text())["teams"][0]["criteria"]


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read TOML (path, else $PAPERBOT_CONFIG, else ./config.toml, else the embedded defaults)."""
    env = os.environ if environ is None else environ
    chosen = path or env.get("PAPERBOT_CONFIG") or ("config.toml" if Path("config.toml").is_file() else None)
    if chosen is None:
        text, source = default_config_text(), "<embedded defaults>"
    else:
        p = Path(chosen)
        if not p.is_file():
            raise ConfigError(f"config file not found: {p}")
        text, source = p.read_text(encoding="utf-8"), str(p)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    return parse_config(raw, env, source=source)


def parse_config(raw: Mapping[str, Any], env: Mapping[str, str], *, source: str = "<dict>") -> Config:
    """Validate a parsed TOML mapping and merge secrets from the environment."""
    r = TomlReader(raw, source)
    known = {"storage", "arxiv", "llm", "schedule", "slack", "discord", "ops", "teams", "startup"}
    for k in raw:
        if k not in known:
            raise ConfigError(f"{source}: unknown section [{k}] (expected one of {', '.join(sorted(known))})")
    storage = StorageConfig(path=env.get("PAPERBOT_DB") or r.str("storage.path", StorageConfig.path))
    arxiv = _arxiv(r)
    llm = _llm(r, env)
    schedule = _schedule(r)
    slack = _slack(r, env)
    discord = _discord(r, env)
    teams = tuple(_team(r, i, t) for i, t in enumerate(r.list_of_tables("teams")))
    if not teams:
        raise ConfigError(f"{source}: [[teams]] needs at least one team")
    names = [t.name.lower() for t in teams]
    if len(set(names)) != len(names):
        raise ConfigError(f"{source}: teams.name must be unique")
    startup = StartupConfig(backfill_days=int(r.num("startup.backfill_days", StartupConfig.backfill_days, lo=0, hi=30)),
                            post_latest=r.bool("startup.post_latest", StartupConfig.post_latest))
    return Config(storage, arxiv, llm, schedule, slack, discord, teams, source, ops=_ops(r, env), startup=startup)


def _arxiv(r: TomlReader) -> ArxivConfig:
    cats = r.str_list("arxiv.categories", ArxivConfig.categories)
    for c in cats:
        if not is_known_category(c):
            raise ConfigError(f"{r.source}: arxiv.categories: unknown arXiv category {c!r}")
    types = r.str_list("arxiv.announce_types", ArxivConfig.announce_types)
    for t in types:
        if t not in ANNOUNCE_TYPES:
            raise ConfigError(f"{r.source}: arxiv.announce_types: {t!r} is not one of {', '.join(ANNOUNCE_TYPES)}")
    return ArxivConfig(
        categories=cats,
        announce_types=types,
        rss_url=r.url("arxiv.rss_url", ArxivConfig.rss_url),
        api_url=r.url("arxiv.api_url", ArxivConfig.api_url),
        html_url=r.url("arxiv.html_url", ArxivConfig.html_url),
        timeout_s=r.num("arxiv.timeout_s", ArxivConfig.timeout_s, lo=1),
        min_interval_s=r.num("arxiv.min_interval_s", ArxivConfig.min_interval_s, lo=0),
        oai_url=r.url("arxiv.oai_url", ArxivConfig.oai_url),
    )


def _llm(r: TomlReader, env: Mapping[str, str]) -> LLMConfig:
    d = LLMConfig
    mode = r.str("llm.json_mode", d.json_mode)
    if mode not in ("schema", "object", "none"):
        raise ConfigError(f"{r.source}: llm.json_mode must be schema, object or none")
    return LLMConfig(
        model=r.str("llm.model", d.model),
        base_url=env.get("OPENAI_BASE_URL") or r.str("llm.base_url", d.base_url),
        api_key=env.get("OPENAI_API_KEY", ""),
        timeout_s=r.num("llm.timeout_s", d.timeout_s, lo=1),
        max_retries=int(r.num("llm.max_retries", d.max_retries, lo=0, hi=10)),
        price_prompt_per_m=r.num("llm.price_prompt_per_m", d.price_prompt_per_m, lo=0),
        price_completion_per_m=r.num("llm.price_completion_per_m", d.price_completion_per_m, lo=0),
        price_cached_per_m=r.num("llm.price_cached_per_m", d.price_cached_per_m, lo=0),
        batch_size=int(r.num("llm.batch_size", d.batch_size, lo=1, hi=200)),
        concurrency=int(r.num("llm.concurrency", d.concurrency, lo=1, hi=32)),
        max_abstract_chars=int(r.num("llm.max_abstract_chars", d.max_abstract_chars, lo=200)),
        json_mode=mode,
    )


def _schedule(r: TomlReader) -> ScheduleConfig:
    d = ScheduleConfig
    return ScheduleConfig(
        timezone=r.tz("schedule.timezone", d.timezone),
        daily_time=r.hhmm("schedule.daily_time", d.daily_time),
        weekly_day=r.weekday("schedule.weekly_day", d.weekly_day),
        weekly_time=r.hhmm("schedule.weekly_time", d.weekly_time),
        misfire_grace_s=int(r.num("schedule.misfire_grace_s", d.misfire_grace_s, lo=1)),
    )


def _slack(r: TomlReader, env: Mapping[str, str]) -> SlackConfig:
    d = SlackConfig
    mode = r.str("slack.mode", d.mode)
    if mode not in ("socket", "http"):
        raise ConfigError(f"{r.source}: slack.mode must be 'socket' or 'http'")
    return SlackConfig(
        api_url=r.url("slack.api_url", d.api_url),
        mode=mode,
        port=int(r.num("slack.port", d.port, lo=1, hi=65535)),
        up_emoji=r.str_list("slack.up_emoji", d.up_emoji),
        down_emoji=r.str_list("slack.down_emoji", d.down_emoji),
        bot_token=env.get("SLACK_BOT_TOKEN", ""),
        app_token=env.get("SLACK_APP_TOKEN", ""),
        signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
    )


def _discord(r: TomlReader, env: Mapping[str, str]) -> DiscordConfig:
    d = DiscordConfig
    return DiscordConfig(
        api_url=r.url("discord.api_url", d.api_url),
        guilds=r.str_list("discord.guilds", d.guilds),
        up_emoji=r.str_list("discord.up_emoji", d.up_emoji),
        down_emoji=r.str_list("discord.down_emoji", d.down_emoji),
        token=env.get("DISCORD_TOKEN", ""),
    )


def _ops(r: TomlReader, env: Mapping[str, str]) -> OpsConfig:
    d = OpsConfig
    fmt = r.str("ops.log_format", d.log_format)
    if fmt not in ("text", "json"):
        raise ConfigError(f"{r.source}: ops.log_format must be 'text' or 'json'")
    port = env.get("PAPERBOT_HEALTH_PORT") or None
    if port is not None and not (port.isdigit() and int(port) <= 65535):
        raise ConfigError(f"PAPERBOT_HEALTH_PORT must be a port number 0-65535 (got {port!r})")
    return OpsConfig(
        health_port=int(port) if port is not None else int(r.num("ops.health_port", d.health_port, lo=0, hi=65535)),
        health_host=r.str("ops.health_host", d.health_host),
        log_format=fmt,
        shutdown_grace_s=r.num("ops.shutdown_grace_s", d.shutdown_grace_s, lo=0, hi=3600),
    )


def _team(r: TomlReader, i: int, t: Mapping[str, Any]) -> TeamConfig:
    p = f"teams[{i}]"
    tr = TomlReader(t, r.source, prefix=p)
    name = tr.str("name", "")
    if not name.strip():
        raise ConfigError(f"{r.source}: {p}.name is required")
    # A team that writes no [teams.criteria] gets the documented defaults; one that writes it gets what it wrote.
    c = t["criteria"] if "criteria" in t else _default_criteria()
    if not isinstance(c, Mapping):
        raise ConfigError(f"{r.source}: {p}.criteria must be a table")
    cr = TomlReader(c, r.source, prefix=f"{p}.criteria")
    cats = cr.str_list("categories", ())
    for cat in cats:
        if not is_known_category(cat):
            raise ConfigError(f"{r.source}: {p}.criteria.categories: unknown arXiv category {cat!r}")
    criteria = Criteria(
        topics=cr.str("topics", "").strip(),
        keywords=cr.str_list("keywords", ()),
        exclude=cr.str_list("exclude", ()),
        authors=cr.str_list("authors", ()),
        categories=cats,
        relevance_cutoff=int(cr.num("relevance_cutoff", 8, lo=1, hi=10)),
        novelty_cutoff=int(cr.num("novelty_cutoff", 7, lo=1, hi=10)),
        digest_size=int(tr.num("digest_size", 10, lo=1, hi=50)),
    )
    if not criteria.topics and not criteria.keywords:
        raise ConfigError(f"{r.source}: {p}.criteria needs topics or keywords")
    allowed = {"name", "criteria", "digest_size", "slack_channels", "discord_channels", "console", "channels",
               "editors", "timezone", "daily_time", "weekly_day", "weekly_time"}
    for k in t:
        if k not in allowed:
            raise ConfigError(f"{r.source}: {p}.{k} is not a team setting")
    return TeamConfig(
        name=name.strip(),
        criteria=criteria,
        channels=_channels(tr, t),
        editors=tr.str_list("editors", ()),
        timezone=tr.tz("timezone", "") if "timezone" in t else "",
        daily_time=tr.hhmm("daily_time", "") if "daily_time" in t else "",
        weekly_day=tr.weekday("weekly_day", "") if "weekly_day" in t else "",
        weekly_time=tr.hhmm("weekly_time", "") if "weekly_time" in t else "",
    )


def _channels(tr: TomlReader, t: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """A team's channels by platform: the documented keys plus `[teams.channels] <platform> = [ids]`."""
    table = t.get("channels", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{tr.source}: {tr.prefix}.channels must be a table of <platform> = [channel ids]")
    out = {name: tr.str_list(f"channels.{name}", ()) for name in table}
    for name, key in (("slack", "slack_channels"), ("discord", "discord_channels")):
        out[name] = tuple(dict.fromkeys((*tr.str_list(key, ()), *out.get(name, ()))))  # both places count, once
    if tr.bool("console", True) and "console" not in out:
        out["console"] = ("console",)
    return {name: ids for name, ids in out.items() if ids}
