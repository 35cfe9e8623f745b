"""The fake Slack's answers from Slack's official examples, and its conversations.history/replies (paged)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EXAMPLES = (Path(__file__).resolve().parents[1] / "fixtures" / "slack"
            / "slack_web_api_response_examples.official_openapi.json")


def official_example(method: str, *, ok: bool = True) -> dict[str, Any]:
    """A deep copy of Slack's documented example answer of a method (ok, or its documented error)."""
    data = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    return copy.deepcopy(data[method]["200" if ok else "default"]["application/json"])


class History:
    """Mixed into FakeSlack, whose `messages` (channel -> messages, oldest first) and `threads` it reads."""

    messages: dict[str, list[dict[str, Any]]]
    threads: dict[str, dict[str, Any]]  # thread ts -> its first message, posted where the fake never saw it

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: top-level messages (and thread parents), newest first."""
        if not body.get("channel"):
            return official_example("conversations.history", ok=False)
        top = [m for m in self.messages.get(body["channel"], []) if m.get("thread_ts", m["ts"]) == m["ts"]]
        return self._page("conversations.history", list(reversed(top)), body)

    def _replies(self, body: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the parent, then its replies, oldest first."""
        ts = str(body.get("ts", ""))
        thread = [m for m in self.messages.get(body.get("channel", ""), []) if ts in (m["ts"], m.get("thread_ts"))]
        if ts in self.threads and not any(m["ts"] == ts for m in thread):  # a root the test put there
            first = official_example("conversations.replies")["messages"][0]
            thread.insert(0, {**first, **self.threads[ts], "ts": ts, "thread_ts": ts})
        if not thread:  # "thread_not_found"
            return official_example("conversations.replies", ok=False)
        return self._page("conversations.replies", thread, body)

    def _page(self, method: str, messages: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
        oldest = float(body.get("oldest") or 0)
        found = [m for m in messages if float(m["ts"]) > oldest or m["ts"] == body.get("ts")]
        start = int(body.get("cursor") or 0)
        limit = min(int(body.get("limit") or 100), 1000)
        page = copy.deepcopy(found[start:start + limit])
        if str(body.get("include_all_metadata", "")).lower() not in ("1", "true"):
            for m in page:
                m.pop("metadata", None)
        ans = official_example(method)
        more = start + limit < len(found)
        ans.update(messages=page, has_more=more, response_metadata={"next_cursor": str(start + limit) if more else ""})
        return ans
