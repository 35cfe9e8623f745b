"""/ask <id or URL> <question>: a question about a paper, answered from its full text (console and CLI).

In Slack and Discord the same answer comes from @mentioning the bot in the paper's thread; on the
console each user's questions about one paper form that paper's thread.
"""

from __future__ import annotations

from bot.core.message import Message
from bot.core.models import Request
from handlers.commands.common import resolve_paper
from handlers.deps import Deps
from handlers.registry import UserError, command, help_message
from handlers.threads import ask_about


@command(
    "ask",
    args="<arxiv id or URL> <question>",
    help="Ask about a paper: answered from its full text, citing the sections it draws on; your earlier "
         "questions about the same paper are its context. In Slack and Discord, @mention the bot in the "
         "paper's thread instead.",
    slow=True,
    slash=False,  # chat platforms have the thread mention; a workspace-wide /ask would clash with other apps
    free_text=True,
)
async def ask(req: Request, deps: Deps) -> Message:
    """Answer a question about one paper; the user's earlier questions about it are the thread."""
    text = req.text.strip()
    if text.lower() == "help":
        return help_message("ask")
    if not text:
        raise UserError("Which paper, and what question? e.g. /ask 2601.16725 What is the main result?")
    head, rest = (text.split(maxsplit=1) + [""])[:2]
    paper, _ = await resolve_paper(deps, head)
    return await ask_about(deps, team=deps.team_of(req).name, platform=req.platform, root=f"ask:{req.user}",
                           user=req.user, paper=paper, question=rest)
