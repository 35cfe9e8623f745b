"""LLM adapters (the only package that imports openai): chat client, prompts, paper scorer."""
