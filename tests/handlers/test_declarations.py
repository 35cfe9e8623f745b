"""Commands and subcommands are declared once, on their function: twice is an error, and who may run one
is declared there too and enforced by dispatch with the one friendly refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.message import Message
from bot.core.models import Request
from handlers.arguments import Args
from handlers.deps import Deps
from handlers.permissions import editors_only
from handlers.registry import REGISTRY, RegistrationError, Registry
from tests.handlers.seeding import run
from tests.support import make_config, make_deps


async def _answer(req: Request, deps: Deps, *args: Args) -> Message:
    return Message.text("done")


def test_a_command_name_declared_twice_raises() -> None:
    registry = Registry()
    registry.command("ping", help="Answer.")(_answer)
    with pytest.raises(RegistrationError, match="/ping is declared twice"):
        registry.command("ping", help="Answer again.")(_answer)
    with pytest.raises(RegistrationError, match="/ping is declared twice"):
        registry.group("ping", help="A group.", default="x")
    assert [c.help for c in registry.all()] == ["Answer."]  # the first declaration stands


def test_a_real_command_cannot_be_declared_again() -> None:
    before = REGISTRY.get("papers")
    with pytest.raises(RegistrationError):
        REGISTRY.command("papers", help="An impostor.")(_answer)
    assert REGISTRY.get("papers") is before


def test_a_subcommand_name_declared_twice_raises() -> None:
    bell = Registry().group("bell", help="Bells.", default="ring")
    bell.sub("ring", help="ring it")(_answer)
    with pytest.raises(RegistrationError, match="/bell ring is declared twice"):
        bell.sub("ring", help="ring it again")(_answer)
    with pytest.raises(RegistrationError, match="/bell help is declared twice"):
        bell.sub("help", help="every group has its help already")(_answer)
    assert [(s.name, s.help) for s in bell.subcommands] == [("ring", "ring it"), ("help", "this list")]


def test_names_users_could_not_type_are_refused() -> None:
    registry = Registry()
    with pytest.raises(RegistrationError):
        registry.command("Ping", help="x")(_answer)
    with pytest.raises(RegistrationError):
        registry.group("bell", help="x", default="ring").sub("ring twice", help="x")(_answer)
    plain = registry.command("pong", help="x")(_answer)
    with pytest.raises(RegistrationError, match="plain command"):
        registry.get("pong").sub("loud", help="x")(plain)  # type: ignore[union-attr]


@pytest.fixture
def bell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A /bell command whose `ring` only the team's editors may run (alice is the one editor)."""
    rung: list[str] = []
    bell = Registry().group("bell", help="The team's bell.", default="look")
    bell.sub("look", help="look at the bell")(_answer)

    @bell.sub("ring", args="[times]", help="ring the bell", who=editors_only("ring the bell"))
    async def ring(req: Request, deps: Deps, args: Args) -> Message:
        rung.append(req.user)
        return Message.text(f"Rung by {req.user}.")

    monkeypatch.setitem(REGISTRY.commands, "bell", bell)
    deps = make_deps(make_config(tmp_path, team={"editors": ["console:alice"]}))
    yield deps, rung
    deps.store.close()


async def test_an_editors_only_subcommand_refuses_a_non_editor_kindly(bell) -> None:
    deps, rung = bell
    refused = await run(deps, "/bell ring 3", user="bob", platform="console")
    assert refused == ("Only the editors of team foundations may ring the bell. Editors: console:alice. "
                       "Ask one of them, or an admin to add you to `editors` in config.toml.\n"
                       "Usage: /bell ring [times]")
    assert rung == []  # refused before it ran
    assert await run(deps, "/bell", user="bob", platform="console") == "done"  # the rest stays open
    assert await run(deps, "/bell ring", user="alice", platform="console") == "Rung by alice."
    assert rung == ["alice"]


async def test_help_says_who_may_run_a_subcommand(bell) -> None:
    deps, _ = bell
    text = await run(deps, "/help bell")
    assert "/bell ring [times] — ring the bell (editors only)" in text
    assert "/bell look — look at the bell\n" in text + "\n"
