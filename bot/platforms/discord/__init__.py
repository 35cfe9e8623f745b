"""Discord platform: adapter (client, events), chat (Chat port, doctor), interactions, commands, render, components."""
