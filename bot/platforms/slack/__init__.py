"""The Slack platform: adapter (bolt AsyncApp, Socket Mode or HTTP), chat (posting), render (Block Kit)."""
