"""Fixtures for bot.llm tests: the fake OpenAI server and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.core.models import Criteria, Paper
from bot.llm.client import OpenAIChat
from tests.fakes.openai_server import FakeOpenAI, openai_server  # noqa: F401  (fixture)

ChatFactory = Callable[..., OpenAIChat]


@pytest.fixture
async def make_chat(openai_server: FakeOpenAI) -> AsyncIterator[ChatFactory]:  # noqa: F811
    """Build OpenAIChat clients aimed at the fake server (no retries unless asked), closed afterwards."""
    made: list[OpenAIChat] = []

    def factory(**kw: object) -> OpenAIChat:
        options: dict = {"model": "gpt-4o-mini", "api_key": "sk-test-SECRET-123", "base_url": openai_server.base_url,
                         "max_retries": 0, "timeout_s": 5}
        options.update(kw)
        chat = OpenAIChat(**options)
        made.append(chat)
        return chat

    yield factory
    for chat in made:
        await chat.aclose()


# Papers written for these tests (short, so prompts stay readable in failure output).
PAPERS = (
    Paper("2601.00001", "Sparse Mixture-of-Experts Routing at Scale",
          "We study routing in sparse mixture-of-experts transformers. A new load-balancing loss improves "
          "expert utilisation. Experiments on language models show lower perplexity at equal compute."),
    Paper("2601.00002", "Post-Training Quantization with Low-Rank Corrections",
          "Quantization to four bits degrades large models. We add low-rank corrections learned from "
          "calibration data. The method recovers most of the accuracy at negligible cost."),
    Paper("2601.00003", "Segmenting Tumours in Brain MRI with a U-Net",
          "We apply a standard U-Net to brain MRI segmentation. Results on a hospital dataset are reported."),
    Paper("2601.00004", "Dictionary Learning Reveals Features in Transformer Activations",
          "Sparse autoencoders recover interpretable features from activations. We analyse how features "
          "emerge during training and how they are shared across layers."),
)

CRITERIA = Criteria(
    topics="Model Architecture: Mixture-of-Experts, Transformers.\n\nModel Compression: pruning, quantization.",
    keywords=("MoE", "Sparsity", "Quantization"),
    exclude=("Reinforcement Learning", "Medical Imaging"),
    authors=("Ada Lovelace",),
    relevance_cutoff=8,
    novelty_cutoff=7,
)


def make_papers(n: int, start: int = 1) -> list[Paper]:
    """n distinct synthetic papers with ids 2602.<start…>."""
    return [
        Paper(f"2602.{i:05d}", f"Paper number {i} on sparse experts",
              f"Abstract {i}. We propose method {i} for efficient transformers. It works well.")
        for i in range(start, start + n)
    ]
