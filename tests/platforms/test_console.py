"""The console platform: commands typed at the prompt run the shared handlers, and the prompt never keeps
the process alive once the bot is stopping."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

from bot.platforms.console import console_loop
from handlers.service import BotService
from tests.support import make_config, make_deps

ROOT = Path(__file__).resolve().parents[2]


async def test_typed_commands_print_their_replies(tmp_path: Path) -> None:
    deps = make_deps(make_config(tmp_path))
    out = io.StringIO()
    try:
        await console_loop(BotService(deps), inp=io.StringIO("/criteria show\nreact\n/quit\n/papers help\n"), out=out)
    finally:
        deps.store.close()
    text = out.getvalue()
    assert "Criteria of foundations" in text
    assert "usage: react <message id> <emoji> [remove]" in text
    assert "== /papers ==" not in text  # nothing after /quit runs


def test_stopping_while_the_prompt_waits_for_a_line_exits_at_once(tmp_path: Path) -> None:
    # Ctrl-C / SIGTERM cancel the console while it waits for input. asyncio.run then waits for its worker
    # threads: a readline there would keep the process alive until someone presses Enter.
    script = textwrap.dedent(f"""
        import asyncio, sys
        from pathlib import Path
        from bot.platforms.console import console_loop
        from handlers.service import BotService
        from tests.support import make_config, make_deps

        async def main():
            deps = make_deps(make_config(Path({str(tmp_path)!r})))
            task = asyncio.create_task(console_loop(BotService(deps), out=sys.stderr))
            await asyncio.sleep(0.5)
            task.cancel()
            deps.store.close()

        asyncio.run(main())
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        returncode = proc.wait(timeout=20)  # stdin stays open and silent the whole time
    except subprocess.TimeoutExpired:
        returncode = None
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdin is not None
        proc.stdin.close()
    assert returncode == 0, "the process waited for a line on stdin after the console was stopped"


async def test_a_pasted_link_shows_its_card_and_ask_answers_about_it(tmp_path: Path, openai_server, arxiv_server) -> None:
    from tests.handlers.paper_chat import NEW_PAPER, llm_deps

    deps, chat = llm_deps(make_config(tmp_path), openai_server, arxiv_server)
    out = io.StringIO()
    lines = (f"look: https://arxiv.org/abs/{NEW_PAPER.arxiv_id}\n"
             f"/ask {NEW_PAPER.arxiv_id} How much faster is inference?\npapers help\n")
    try:
        await console_loop(BotService(deps), inp=io.StringIO(lines), out=out)
    finally:
        deps.store.close()
        await chat.aclose()
    text = out.getvalue()
    assert f"{NEW_PAPER.title}\nArXiv ID: {NEW_PAPER.arxiv_id}" in text and "Relevance 9 · Novelty 8" in text
    assert "Scored just now by gpt-4o-mini against the team's criteria." in text
    assert "Inference latency drops by 30% on H100 GPUs" in text and "Sections: 3 Experiments" in text
    assert "== /papers ==" in text  # a line without a link still runs as a command
