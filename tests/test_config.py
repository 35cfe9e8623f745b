"""Config: the shipped file loads, secrets come from the environment only, errors name the bad key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, default_config_text, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]


def _raw() -> dict:
    return tomllib.loads(default_config_text())


def test_repo_config_is_the_embedded_default() -> None:
    assert (ROOT / "config.toml").read_text() == default_config_text()


def test_shipped_config_loads_with_seed_criteria() -> None:
    c = load_config(ROOT / "config.toml", {})
    team = c.teams[0]
    assert team.name == "foundations"
    assert "Mixture-of-Experts" in team.criteria.topics
    assert (team.criteria.relevance_cutoff, team.criteria.novelty_cutoff) == (8, 7)
    assert c.arxiv.rss_url == "https://rss.arxiv.org/rss/{categories}"
    assert c.arxiv.api_url == "https://export.arxiv.org/api/query"
    assert not c.llm.enabled and not c.slack.enabled and not c.discord.enabled


def test_secrets_come_from_env_and_never_show_in_repr() -> None:
    env = {"OPENAI_API_KEY": "sk-secret-123456", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
           "SLACK_BOT_TOKEN": "xoxb-secret", "DISCORD_TOKEN": "discord-secret"}
    c = parse_config(_raw(), env)
    assert c.llm.enabled and c.llm.base_url == "http://127.0.0.1:9/v1"
    assert c.slack.enabled and c.discord.enabled
    text = repr(c)
    for secret in env.values():
        if "secret" in secret:
            assert secret not in text


def test_paperbot_config_env_picks_the_file(tmp_path: Path) -> None:
    raw = (ROOT / "config.toml").read_text().replace('name = "foundations"', 'name = "vision"')
    f = tmp_path / "other.toml"
    f.write_text(raw)
    assert load_config(None, {"PAPERBOT_CONFIG": str(f)}).teams[0].name == "vision"


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda r: r["arxiv"].update(categories=["cs.XX"]), "arxiv.categories"),
        (lambda r: r["arxiv"].update(announce_types=["newest"]), "arxiv.announce_types"),
        (lambda r: r["arxiv"].update(rss_url="ftp://x"), "arxiv.rss_url"),
        (lambda r: r["llm"].update(timeout_s="fast"), "llm.timeout_s"),
        (lambda r: r["llm"].update(batch_size=0), "llm.batch_size"),
        (lambda r: r["schedule"].update(timezone="Mars/Olympus"), "schedule.timezone"),
        (lambda r: r["schedule"].update(daily_time="9am"), "schedule.daily_time"),
        (lambda r: r["schedule"].update(weekly_day="someday"), "schedule.weekly_day"),
        (lambda r: r["slack"].update(mode="carrier-pigeon"), "slack.mode"),
        (lambda r: r["teams"][0]["criteria"].update(relevance_cutoff=42), "teams[0].criteria.relevance_cutoff"),
        (lambda r: r["teams"][0]["criteria"].update(categories=["cs.lg"]), "teams[0].criteria.categories"),
        (lambda r: r["teams"][0].update(digest_size=-1), "teams[0].digest_size"),
        (lambda r: r["teams"][0].update(colour="blue"), "teams[0].colour"),
        (lambda r: r["teams"][0].update(name=""), "teams[0].name"),
        (lambda r: r["teams"][0].update(channels=["C1"]), "teams[0].channels"),
        (lambda r: r["teams"][0].update(channels={"matrix": "!room"}), "teams[0].channels.matrix"),
        (lambda r: r.update(teams=[]), "[[teams]]"),
        (lambda r: r.update(sqlite={}), "[sqlite]"),
    ],
)
def test_errors_name_the_bad_key(mutate, key: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(ConfigError) as e:
        parse_config(raw, {})
    assert key in str(e.value)


def test_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[arxiv\ncategories = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(f, {})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", {})


def test_team_override_of_schedule() -> None:
    raw = _raw()
    raw["teams"][0].update(timezone="Europe/Berlin", daily_time="07:30")
    t = parse_config(raw, {}).teams[0]
    assert (t.timezone, t.daily_time) == ("Europe/Berlin", "07:30")


def test_a_team_s_channels_are_keyed_by_platform_name() -> None:
    raw = _raw()
    assert parse_config(raw, {}).teams[0].channels == {"console": ("console",)}  # the shipped team
    raw["teams"][0].update(slack_channels=["C1"], discord_channels=["42"], console=False,
                           channels={"matrix": ["!room:example.org"]})
    config = parse_config(raw, {})
    team = config.teams[0]
    assert team.channels == {"slack": ("C1",), "discord": ("42",), "matrix": ("!room:example.org",)}
    assert team.channels_on("console") == ()
    assert config.team_for_channel("matrix", "!room:example.org") is team
    assert config.team_for_channel("slack", "!room:example.org") is None
    raw["teams"][0].update(slack_channels=[], channels={"slack": ["C2", "C1"]})  # the shipped empty key stays
    raw["teams"][0]["discord_channels"] = ["42"]
    assert parse_config(raw, {}).teams[0].channels_on("slack") == ("C2", "C1")
    raw["teams"][0]["slack_channels"] = ["C1"]
    assert parse_config(raw, {}).teams[0].channels_on("slack") == ("C1", "C2")  # both places, each id once


def test_every_config_key_is_documented_in_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    raw = _raw()
    for section, values in raw.items():
        if section == "teams":
            keys = [*values[0].keys(), *values[0]["criteria"].keys()]
        else:
            keys = list(values)
        for k in keys:
            if k != "criteria":
                assert f"`{k}`" in readme, f"config key {section}.{k} is not documented in README.md"


def test_a_team_without_criteria_gets_the_documented_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[teams]]\nname = "vision"\nslack_channels = ["C9"]\n\n'
                    '[[teams]]\nname = "systems"\n[teams.criteria]\nkeywords = ["RDMA"]\n', encoding="utf-8")
    vision, systems = load_config(path, {}).teams
    shipped = load_config(ROOT / "config.toml", {}).teams[0].criteria
    assert vision.criteria == shipped  # topics, keywords, authors, categories, cut-offs: all the defaults
    assert "Mixture-of-Experts (MoE)" in vision.criteria.topics and "Yoshua Bengio" in vision.criteria.authors
    assert vision.channels_on("slack") == ("C9",)
    # A team that writes its own criteria gets only what it wrote (and the default cut-offs).
    assert (systems.criteria.topics, systems.criteria.keywords, systems.criteria.authors) == ("", ("RDMA",), ())
    assert (systems.criteria.relevance_cutoff, systems.criteria.novelty_cutoff) == (8, 7)


def test_an_empty_criteria_table_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[teams]]\nname = "vision"\n[teams.criteria]\nauthors = ["A. Person"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"teams\[0\]\.criteria needs topics or keywords"):
        load_config(path, {})
