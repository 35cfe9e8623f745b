"""How the fake Discord creates and lists messages: clock snowflakes, enforced nonces, channel history."""

from __future__ import annotations

import time
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
NONCE_WINDOW_S = 300  # "checked for uniqueness in the past few minutes"


class MessageLog:
    """Mixed into FakeDiscord: `messages` by id, `nonces`, `on_accept`; `_message` builds one message."""

    messages: dict[str, dict[str, Any]]
    nonces: dict[tuple[str, str], tuple[str, float]]
    on_accept: Any
    _last_id: int

    def _message(self, channel_id: str, body: dict[str, Any], files: list[tuple[str, bytes]]) -> dict[str, Any]:
        raise NotImplementedError

    def _snowflake(self) -> str:
        """A Discord snowflake for now (ms since 2015 << 22), strictly increasing."""
        self._last_id = max(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22), self._last_id + 1)
        return str(self._last_id)

    def _create(self, channel_id: str, body: dict[str, Any], files: list[tuple[str, bytes]]) -> dict[str, Any]:
        """POST /channels/{id}/messages, honouring nonce + enforce_nonce."""
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.nonces.get((channel_id, str(nonce)))
            if seen and time.time() - seen[1] < NONCE_WINDOW_S and seen[0] in self.messages:
                return {**self.messages[seen[0]], "nonce": nonce}
        msg = self._message(channel_id, body, files)
        if nonce is not None:
            self.nonces[(channel_id, str(nonce))] = (msg["id"], time.time())
        if self.on_accept is not None:
            self.on_accept(msg)
        return {**msg, "nonce": nonce} if nonce is not None else msg

    def history(self, channel_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """GET /channels/{id}/messages: newest first; `after` gives the oldest `limit` after it, as Discord does."""
        found = [m for m in self.messages.values() if m["channel_id"] == channel_id and not m.get("webhook")]
        found.sort(key=lambda m: int(m["id"]))
        if "before" in query:
            found = [m for m in found if int(m["id"]) < int(query["before"])]
        limit = min(int(query.get("limit", 50)), 100)
        if "after" in query:
            found = [m for m in found if int(m["id"]) > int(query["after"])][:limit]
        else:
            found = found[-limit:]
        return [{k: v for k, v in m.items() if k != "allowed_mentions_sent"} for m in reversed(found)]
