"""@paperbot in a chat: a link alone gets its card; a question gets an answer about the thread's paper.

Which paper: an arXiv link or id in the mention itself, else the message the mention hangs under (a
card, an answer or an unfurled link recorded in storage.threads, a digest reply, a digest thread with
one paper), else a link in that message's text (what the adapter could read of it). A thread about
several papers asks which one; no paper at all explains how to ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.config import TeamConfig
from bot.core.message import Message
from bot.core.models import Mention, find_arxiv_ids
from bot.core.thread_view import how_to_ask_message, which_paper_message
from handlers.cards import paper_card
from handlers.commands.common import resolve_paper
from handlers.deps import Deps
from handlers.threads import ask_about
from storage import papers as paper_store
from storage import threads

_LINKS = re.compile(r"<?\S*arxiv\.org/\S*|\barxiv:\s*\S+", re.IGNORECASE)


def question_of(text: str, ids: Sequence[str]) -> str:
    """The words of a mention without its arXiv links and ids."""
    text = _LINKS.sub(" ", text)
    for ident in ids:
        text = re.sub(rf"(?<![\w./]){re.escape(ident)}(?:v\d+)?", " ", text)
    return " ".join(text.split()).strip(" ,;:-—")


def _team(deps: Deps, platform: str, channel: str, name: str = "") -> TeamConfig:
    """The named team (a digest's) while config still has it, else the channel's, else the first."""
    known = {t.name for t in deps.config.teams}
    if name in known:
        return deps.config.team(name)
    return deps.config.team_for_channel(platform, channel) or deps.config.teams[0]


async def root_of(deps: Deps, m: Mention) -> str:
    """The message the mention's conversation hangs under (shared by every answer in it)."""
    if not m.thread:
        return m.message_id
    row = await deps.store.call(threads.message_paper, platform=m.platform, message_id=m.thread)
    return row.root if row else m.thread


async def thread_papers(deps: Deps, platform: str, thread: str) -> list[tuple[str, str]]:
    """(arXiv id, team) of the paper(s) a thread's root message is about, as far as the bot knows."""
    if not thread:
        return []
    row = await deps.store.call(threads.message_paper, platform=platform, message_id=thread)
    if row is not None:
        return [(row.arxiv_id, row.team)]
    return await deps.store.call(threads.thread_papers, platform=platform, thread=thread)


async def on_mention(deps: Deps, m: Mention) -> Message:
    """The bot's answer to a mention: a card, an answer about the thread's paper, or how to ask."""
    ids = find_arxiv_ids(m.text)
    question = question_of(m.text, ids)
    team = _team(deps, m.platform, m.channel)
    if ids and not question:
        return await paper_card(deps, team, ids[0])
    if not ids:
        listed = await thread_papers(deps, m.platform, m.thread)
        if len(listed) > 1:  # a follow-up in a digest thread is about the paper last asked about there
            last = await deps.store.call(threads.last_asked, platform=m.platform, root=await root_of(deps, m))
            listed = [x for x in listed if x[0] == last] or listed
        if len(listed) > 1:
            papers = [p for i, _ in listed if (p := await deps.store.call(paper_store.get_paper, i))]
            return which_paper_message(papers) if papers else how_to_ask_message()
        if listed:
            ids, team = [listed[0][0]], _team(deps, m.platform, m.channel, listed[0][1])
        else:
            ids = find_arxiv_ids(m.context)
    if not ids:
        return how_to_ask_message("I can't tell which paper this is about." if question else "")
    paper, _ = await resolve_paper(deps, ids[0])
    return await ask_about(deps, team=team.name, platform=m.platform, root=await root_of(deps, m), user=m.user,
                           paper=paper, question=question)


async def remember_reply(deps: Deps, *, platform: str, channel: str, message_ids: Sequence[str], about: Message,
                         mention: Mention | None = None, kind: str = "card") -> None:
    """Record that the bot's reply (or the message it unfurled) is about its one paper, for later questions."""
    if len(about.papers) != 1 or not message_ids:
        return
    root = await root_of(deps, mention) if mention is not None else message_ids[0]
    team = _team(deps, platform, channel)
    await deps.store.call(threads.remember_messages, platform=platform, channel=channel, message_ids=message_ids,
                          arxiv_id=about.papers[0], team=team.name, root=root, kind=kind)
