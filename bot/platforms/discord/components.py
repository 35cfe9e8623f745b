"""Buttons, select menus and the form modal: neutral Actions/Forms as discord.ui items.

Buttons and menus are DynamicItems: the command travels in the custom_id, so a click works on a
message posted before a restart and nothing is kept in memory per message. A command too long for a
custom_id (100 chars) is stored under its hash through the service's key-value store.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import discord

from bot.core.message import Action, Form
from bot.platforms.discord.markdown import clip
from bot.platforms.discord.render import Menu

log = logging.getLogger("paperbot.discord")

CUSTOM_ID_MAX = 100
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
MODAL_TEXT_MAX = 4000
_STYLES = {"primary": discord.ButtonStyle.primary, "danger": discord.ButtonStyle.danger}


class Runner(Protocol):
    """What a clicked item or a submitted form calls (the InteractionRunner)."""

    async def run_ref(self, interaction: discord.Interaction, ref: str) -> None:
        """Run the command a button/option stands for, for the clicker."""
        ...

    async def run_line(self, interaction: discord.Interaction, line: str) -> None:
        """Run a full command line for the user of the interaction."""
        ...


class ActionCodec:
    """Commands <-> custom_id payloads; long ones go through the key-value store (when there is one)."""

    def __init__(self, *, kv_get: Callable[[str], Awaitable[str | None]] | None = None,
                 kv_set: Callable[[str, str], Awaitable[None]] | None = None) -> None:
        self._get = kv_get
        self._set = kv_set

    async def encode(self, command: str, *, room: int) -> str | None:
        """The command itself when it fits in `room` chars, else '#<hash>' stored in kv (None without kv)."""
        if len(command) <= room and not command.startswith("#"):
            return command
        if self._set is None:
            return None
        digest = hashlib.sha256(command.encode()).hexdigest()[:20]
        await self._set(f"discord.action.{digest}", command)
        return f"#{digest}"

    async def decode(self, ref: str) -> str | None:
        """The command a payload stands for (None when a stored one is gone)."""
        if not ref.startswith("#"):
            return ref
        return await self._get(f"discord.action.{ref[1:]}") if self._get else None


def _runner(interaction: discord.Interaction) -> Runner | None:
    return getattr(interaction.client, "runner", None)


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"pb:a:(?P<n>\d+):(?P<ref>.+)"):
    """A button that runs its Action's command for whoever clicks it."""

    def __init__(self, button: discord.ui.Button, ref: str) -> None:
        super().__init__(button)
        self.ref = ref

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> ActionButton:
        """Rebuild the button from a click (works across restarts)."""
        return cls(item, match["ref"])  # type: ignore[arg-type]  # the template only matches our buttons

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run the command."""
        if (r := _runner(interaction)) is not None:
            await r.run_ref(interaction, self.ref)


class ActionSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"pb:s:(?P<n>\d+)"):
    """A menu whose options are commands ("Explain…" over the papers of a digest post)."""

    def __init__(self, select: discord.ui.Select) -> None:
        super().__init__(select)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> ActionSelect:
        """Rebuild the menu from a pick."""
        return cls(item)  # type: ignore[arg-type]  # the template only matches our menus

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run the picked option's command."""
        values = (interaction.data or {}).get("values") or []
        if values and (r := _runner(interaction)) is not None:
            await r.run_ref(interaction, str(values[0]))


class FormModal(discord.ui.Modal):
    """A Form as a modal: one paragraph input pre-filled; submit runs `submit_command + " " + text`."""

    def __init__(self, form: Form, runner: Runner) -> None:
        super().__init__(title=clip(form.title or "Edit", 45), timeout=900)
        self.form = form
        self.runner = runner
        if len(form.initial) > MODAL_TEXT_MAX:
            log.warning("form %r pre-fill cut to %d chars (Discord's limit)", form.title, MODAL_TEXT_MAX)
        self.text: discord.ui.TextInput = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default=form.initial[:MODAL_TEXT_MAX] or None,
            max_length=MODAL_TEXT_MAX, required=True, custom_id="pb:form:text")
        self.add_item(discord.ui.Label(text=clip(form.label or "Text", 45), component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Run the form's command with what was typed."""
        await self.runner.run_line(interaction, f"{self.form.submit_command} {self.text.value}")


async def build_view(buttons: Sequence[Action], menus: Sequence[Menu], *, codec: ActionCodec) -> discord.ui.View | None:
    """A persistent View (≤ 5 rows) for a message's controls, or None when it has none."""
    view = discord.ui.View(timeout=None)
    row = 0
    for i, menu in enumerate(menus[:ROWS_MAX]):
        options: list[discord.SelectOption] = []
        seen: set[str] = set()
        for label, description, command in menu.options[:25]:
            ref = await codec.encode(command, room=CUSTOM_ID_MAX)
            if ref is None or ref in seen:
                continue
            seen.add(ref)
            options.append(discord.SelectOption(label=clip(label, 100) or "…", value=ref,
                                                description=clip(description, 100) or None))
        if options:
            select = discord.ui.Select(custom_id=f"pb:s:{i}", placeholder=clip(menu.placeholder, 150),
                                       options=options, row=row)
            view.add_item(ActionSelect(select))
            row += 1
    room = (ROWS_MAX - row) * BUTTONS_PER_ROW
    if len(buttons) > room:
        log.warning("message has %d buttons; Discord shows %d: dropping the rest", len(buttons), room)
    for j, action in enumerate(buttons[:room]):
        prefix = f"pb:a:{j}:"
        ref = await codec.encode(action.command, room=CUSTOM_ID_MAX - len(prefix))
        if ref is None:
            log.warning("button %r dropped: its command is too long for a custom_id", action.label)
            continue
        button = discord.ui.Button(label=clip(action.label, 80) or "…", custom_id=prefix + ref,
                                   style=_STYLES.get(action.style, discord.ButtonStyle.secondary),
                                   row=row + j // BUTTONS_PER_ROW)
        view.add_item(ActionButton(button, ref))
    return view if view.children else None
