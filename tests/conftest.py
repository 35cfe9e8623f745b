"""Fixtures every test package may use: the fake arXiv and OpenAI servers on 127.0.0.1."""

import pytest

from tests.fakes.arxiv_server import arxiv_server  # noqa: F401 (pytest fixture)
from tests.fakes.openai_server import FakeOpenAI, openai_server  # noqa: F401 (pytest fixture)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, openai_server: FakeOpenAI) -> FakeOpenAI:  # noqa: F811 - the fixture
    """OPENAI_BASE_URL/OPENAI_API_KEY aimed at the fake OpenAI server, as a user's environment would hold them."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    return openai_server
