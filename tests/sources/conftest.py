"""Fixtures for the source adapter tests."""

from tests.fakes.arxiv_server import arxiv_server  # noqa: F401 (registers the pytest fixture)
