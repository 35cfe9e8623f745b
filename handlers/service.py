"""BotService: the one object platform adapters talk to (commands, reactions, dedupe, lookups)."""

from __future__ import annotations

import logging
from dataclasses import replace

import handlers.commands  # noqa: F401 - importing the package registers every command
from bot.core.message import Message
from bot.core.models import Mention, ReactionEvent, Request, find_arxiv_ids
from handlers import mentions, registry
from handlers.cards import paper_card
from handlers.deps import Deps
from handlers.registry import CommandSpec, guarded
from handlers.votes import clear_reactions, handle_reaction
from storage import jobs, posts
from storage import papers as paper_store

log = logging.getLogger("paperbot.service")


class BotService:
    """What adapters may ask of the core; they never touch storage or handlers directly."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._bot_users: set[str] = set()

    @property
    def commands(self) -> list[CommandSpec]:
        """The slash commands adapters register (generated from the registry)."""
        return registry.REGISTRY.slash_commands()

    def team_for_channel(self, platform: str, channel: str) -> str | None:
        """The team that owns a channel, if any."""
        t = self.deps.config.team_for_channel(platform, channel)
        return t.name if t else None

    async def run_command(self, req: Request) -> Message:
        """Run a command line for a user; never raises (one error policy)."""
        if not req.team:
            req = replace(req, team=self.deps.team_of(req).name)
        return await registry.dispatch(req, self.deps)

    async def link_cards(self, platform: str, channel: str, text: str, *, limit: int = 3) -> list[Message]:
        """The card of each arXiv paper a message links to (at most `limit`); a failure is a friendly text."""
        team = self.deps.config.team_for_channel(platform, channel) or self.deps.config.teams[0]
        return [await guarded("card", paper_card(self.deps, team, i), text=i) for i in find_arxiv_ids(text)[:limit]]

    async def on_mention(self, mention: Mention) -> Message:
        """The bot was @mentioned: a link's card, an answer about the thread's paper, or how to ask; never raises."""
        return await guarded("mention", mentions.on_mention(self.deps, mention), text=mention.text)

    async def thread_known(self, platform: str, thread: str) -> bool:
        """Whether the bot knows which paper(s) a thread is about (its own post, card or answer, an unfurl)."""
        return bool(await mentions.thread_papers(self.deps, platform, thread))

    async def remember_reply(self, platform: str, channel: str, message_ids: list[str], about: Message, *,
                             mention: Mention | None = None, kind: str = "card") -> None:
        """Record the messages the bot posted (or unfurled) about one paper, so questions under them find it."""
        await mentions.remember_reply(self.deps, platform=platform, channel=channel, message_ids=message_ids,
                                      about=about, mention=mention, kind=kind)

    def add_bot_user(self, user_id: str) -> None:
        """Register the bot's own user id so its reactions are never counted as votes."""
        self._bot_users.add(user_id)

    async def on_reaction(self, ev: ReactionEvent) -> str:
        """A reaction was added or removed somewhere."""
        return await handle_reaction(ev, self.deps, bot_users=frozenset(self._bot_users))

    async def on_reaction_clear(self, platform: str, channel: str, message_id: str, *, emoji: str | None = None) -> str:
        """All reactions (emoji=None) or one emoji's reactions were removed from a message: their votes go."""
        return await clear_reactions(self.deps, platform=platform, message_id=message_id, emoji=emoji)

    async def first_delivery(self, platform: str, event_id: str) -> bool:
        """True the first time an event id is seen; False for a platform's retry of it."""
        return await self.deps.store.call(posts.mark_event_seen, platform, event_id)

    async def kv_get(self, key: str) -> str | None:
        """A stored setting (e.g. the hash of the last synced command set)."""
        return await self.deps.store.call(jobs.kv_get, key)

    async def kv_set(self, key: str, value: str) -> None:
        """Store a setting."""
        await self.deps.store.call(jobs.kv_set, key, value)

    async def suggest_papers(self, prefix: str, *, limit: int = 25) -> list[tuple[str, str]]:
        """(arXiv id, title) of stored papers matching what the user typed, for autocomplete."""
        text = prefix.strip()
        if not text:
            return []
        if text[:4].isdigit():
            return await self.deps.store.call(paper_store.titles_by_id_prefix, text, limit=limit)
        found = await self.deps.store.call(paper_store.search, text, limit=limit)
        return [(p.arxiv_id, p.title) for p in found.papers]
