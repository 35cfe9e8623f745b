"""What the paper-card and thread-Q&A tests share: real clients aimed at the fake arXiv and OpenAI servers.

The fake model answers the way the real ones are asked to: scores (JSON of the scoring schema) for a
scoring call, an answer citing a section for a question. Answers are written for these tests.
"""

from __future__ import annotations

import json
from typing import Any

from bot.config import Config
from bot.core.models import Paper
from bot.llm.ask import LLMAsker
from bot.llm.client import OpenAIChat
from bot.llm.explain import LLMExplainer
from bot.llm.scoring import LLMScorer
from bot.sources.arxiv import ArxivSource
from handlers.deps import Deps
from tests.core.test_sections import PAGE
from tests.fakes.arxiv_server import ArxivServer
from tests.fakes.openai_server import FakeOpenAI, ids_in
from tests.support import make_deps

__all__ = ["ANSWER", "NEW_PAPER", "PAGE", "fake_model", "llm_deps", "schema_of"]

# A paper that is in no seed digest (made for these tests), served by the fake arXiv.
NEW_PAPER = Paper("2601.20001", "LatentMoE Routing for Faster Inference",
                  "We route tokens of mixture-of-experts models in a latent space to cut inference latency.",
                  ("Ada Lovelace", "Alan Turing"), ("cs.LG",), published="2026-01-28")
ANSWER = {"answer": "Inference latency drops by 30% on H100 GPUs at equal accuracy (3 Experiments).",
          "sections": ["3 Experiments"]}
SCORE_COMMENT = "Model Architecture: latent routing for Mixture-of-Experts inference."


def schema_of(request: dict[str, Any]) -> str:
    """The name of the JSON schema a request asks for ("paper_scores", "paper_answer", …)."""
    return ((request.get("response_format") or {}).get("json_schema") or {}).get("name", "")


def fake_model(request: dict[str, Any]) -> str:
    """Scores for a scoring call, the ANSWER for a question."""
    if schema_of(request) == "paper_scores":
        return json.dumps({"papers": [{"id": i, "relevance": 9, "novelty": 8, "comment": SCORE_COMMENT}
                                      for i in ids_in(request)]})
    return json.dumps(ANSWER)


def llm_deps(config: Config, openai_server: FakeOpenAI, arxiv_server: ArxivServer, *,
             llm: bool = True, **ports: Any) -> tuple[Deps, OpenAIChat | None]:
    """Deps with the real arXiv source (and the real LLM ports unless llm=False) aimed at the fakes."""
    source = ArxivSource(api_url=arxiv_server.api_url, html_url=arxiv_server.html_url, min_interval_s=0,
                         timeout_s=5, max_retries=0)
    arxiv_server.add_paper(NEW_PAPER)
    arxiv_server.html(NEW_PAPER.arxiv_id, PAGE)
    openai_server.answer = fake_model
    if not llm:
        return make_deps(config, source=source, **ports), None
    chat = OpenAIChat(model="gpt-4o-mini", api_key="sk-test", base_url=openai_server.base_url, max_retries=0,
                      price_prompt_per_m=5.0, price_completion_per_m=15.0)
    return make_deps(config, source=source, llm=chat, scorer=LLMScorer(chat), explainer=LLMExplainer(chat),
                     asker=LLMAsker(chat), **ports), chat
