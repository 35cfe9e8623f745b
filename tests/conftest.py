"""Fixtures every test package may use: the fake arXiv and OpenAI servers on 127.0.0.1."""

from tests.fakes.arxiv_server import arxiv_server  # noqa: F401 (pytest fixture)
from tests.fakes.openai_server import openai_server  # noqa: F401 (pytest fixture)
