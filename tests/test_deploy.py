"""The Dockerfile and docker-compose.yml agree with the bot (no Docker engine here: they are parsed, and the
health-check command they run is run against a real health endpoint)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tomllib
from pathlib import Path

import yaml

from bot.health import Health

ROOT = Path(__file__).resolve().parents[1]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def compose_service() -> dict:
    """The paperbot service of docker-compose.yml."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["paperbot"]


def _env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env = {}
    for word, rest in instructions:
        if word == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
    return env


def test_the_image_runs_the_bot_unprivileged_with_data_health_and_ports() -> None:
    ins = dockerfile()
    words = [w for w, _ in ins]
    env = _env(ins)
    user = [rest for w, rest in ins if w == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert env["PAPERBOT_DB"].startswith("/data/") and '["/data"]' in dict(ins)["VOLUME"]
    exposed = dict(ins)["EXPOSE"].split()
    assert env["PAPERBOT_HEALTH_PORT"] in exposed and "3000" in exposed  # health, and Slack HTTP mode's default
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    copied = {rest.split()[0] for w, rest in ins if w == "COPY"}
    assert {p.rstrip("*") for p in packages["include"]} <= copied
    assert "HEALTHCHECK" in words and words.index("HEALTHCHECK") < words.index("ENTRYPOINT")
    assert json.loads(dict(ins)["CMD"]) == ["run"]


def _dockerfile_healthcheck() -> list[str]:
    rest = dict(dockerfile())["HEALTHCHECK"]
    return json.loads(rest[rest.index("CMD") + 3:].strip())


def test_compose_keeps_data_secrets_out_of_the_image_and_restarts() -> None:
    svc = compose_service()
    top = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert svc["restart"] in ("unless-stopped", "always")
    volume, target = svc["volumes"][0].split(":")[:2]
    assert target == "/data" and volume in top["volumes"]
    assert svc["env_file"] == ".env" and (ROOT / ".env.example").is_file()
    assert ".env" in (ROOT / ".gitignore").read_text().split() and ".env" in (ROOT / ".dockerignore").read_text().split()
    names = {line.split("=")[0] for line in (ROOT / ".env.example").read_text().splitlines()
             if line and not line.startswith("#")}
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN", "OPENAI_API_KEY"} <= names
    port = svc["environment"]["PAPERBOT_HEALTH_PORT"]
    assert any(p.endswith(f":{port}:{port}") or p == f"{port}:{port}" for p in svc["ports"])
    assert svc["healthcheck"]["test"] == ["CMD", *_dockerfile_healthcheck()]  # one health check, two places


def test_stop_grace_period_outlasts_the_bot_s_own_grace() -> None:
    grace = tomllib.loads((ROOT / "config.toml").read_text())["ops"]["shutdown_grace_s"]
    m = re.fullmatch(r"(\d+)s", compose_service()["stop_grace_period"])
    assert m and int(m.group(1)) >= grace + 10  # the grace, then up to 10 s for the message in flight


async def _run(cmd: list[str], port: int) -> int:
    assert cmd[0] == "python"
    proc = await asyncio.create_subprocess_exec(sys.executable, *cmd[1:], env={"PAPERBOT_HEALTH_PORT": str(port)},
                                                stderr=asyncio.subprocess.DEVNULL)
    return await asyncio.wait_for(proc.wait(), timeout=20)


async def test_the_health_check_command_passes_on_200_and_fails_on_503_or_nothing() -> None:
    cmd = _dockerfile_healthcheck()
    health = Health()
    health.add("database", lambda: True)
    await health.serve("127.0.0.1", 0)
    port = health.port
    try:
        assert await _run(cmd, port) == 1  # still starting
        health.phase = "running"
        assert await _run(cmd, port) == 0
        health.add("discord", lambda: False)
        assert await _run(cmd, port) == 1
    finally:
        await health.close()
    assert await _run(cmd, port) == 1  # nothing listening
