"""Tests of bot.llm: the real openai client against a local fake server."""
