"""Local stand-ins for arXiv's RSS feed and an OpenAI-compatible model that replays recorded answers.

`paperbot demo` runs the real pipeline (ArxivSource, OpenAIChat, LLMScorer) against these on
127.0.0.1, so a newcomer sees a real digest offline; tests and replays of past days use them too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from datetime import date, datetime
from datetime import time as dtime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from bot.core.models import ARXIV_ID_RE, ListingEntry, Paper

Recorded = tuple[float, float, str]  # relevance, novelty, comment


def render_rss(entries: Iterable[ListingEntry], *, day: date, categories: str = "cs.LG") -> bytes:
    """A feed in rss.arxiv.org's RSS 2.0 format (as in the recorded quant-ph feed) for these entries."""
    midnight = datetime.combine(day, dtime(0), tzinfo=ZoneInfo("America/New_York"))
    stamp = format_datetime(midnight)
    link = f"http://rss.arxiv.org/rss/{categories}"
    items = []
    for entry in entries:
        p = entry.paper
        cats = "".join(f"\n      <category>{escape(c)}</category>" for c in p.categories)
        description = f"arXiv:{p.arxiv_id}v{p.version} Announce Type: {entry.announce_type} \nAbstract: {p.abstract}"
        items.append(f"""
    <item>
      <title>{escape(p.title)}</title>
      <link>https://arxiv.org/abs/{p.arxiv_id}</link>
      <description>{escape(description)}</description>
      <guid isPermaLink="false">oai:arXiv.org:{p.arxiv_id}v{p.version}</guid>{cats}
      <pubDate>{stamp}</pubDate>
      <arxiv:announce_type>{escape(entry.announce_type)}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>{escape(", ".join(p.authors))}</dc:creator>
    </item>""")
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>{escape(categories)} updates on arXiv.org</title>
    <link>{escape(link)}</link>
    <description>{escape(categories)} updates on the arXiv.org e-print archive.</description>
    <atom:link href={quoteattr(link)} rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>{format_datetime(midnight.astimezone(ZoneInfo("UTC")))}</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>{stamp}</pubDate>
    <skipDays>
      <day>Saturday</day>
      <day>Sunday</day>
    </skipDays>{"".join(items)}
  </channel>
</rss>
""".encode()


def rss_xml(papers: Iterable[tuple[Paper, str]], day: date, *, categories: str = "cs.LG+cs.AI") -> str:
    """The same feed for (paper, announce type) pairs, as text."""
    return render_rss([ListingEntry(p, k) for p, k in papers], day=day, categories=categories).decode()


class ReplayServer:
    """A threaded HTTP server on 127.0.0.1: GET /rss/* serves `feed`; POST /v1/chat/completions replays scores."""

    def __init__(self, *, feed: str = "", answers: dict[str, Recorded] | None = None,
                 default: Recorded = (3, 3, "No close match to the team's criteria.")) -> None:
        self.feed = feed
        self.answers = answers or {}
        self.default = default
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, prompt: str) -> str:
        """The JSON answer for a scoring prompt: every arXiv id shown gets its recorded scores."""
        seen: list[str] = []
        for m in ARXIV_ID_RE.finditer(prompt):
            if m.group("id") not in seen:
                seen.append(m.group("id"))
        papers = []
        for pid in seen:
            rel, nov, comment = self.answers.get(pid, self.default)
            papers.append({"id": pid, "relevance": rel, "novelty": nov, "comment": comment})
        return json.dumps({"papers": papers})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:  # keep the console clean
                pass

            def _send(self, code: int, body: str, ctype: str) -> None:
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                outer.requests.append({"method": "GET", "path": self.path})
                if self.path.startswith("/rss/"):
                    self._send(200, outer.feed, "application/rss+xml")
                else:
                    self._send(404, "not found", "text/plain")

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append({"method": "POST", "path": self.path, "json": body})
                prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
                content = outer.answer(prompt)
                resp = {
                    "id": f"chatcmpl-replay-{len(outer.requests)}", "object": "chat.completion",
                    "created": int(time.time()), "model": body.get("model", "replay"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                                 "logprobs": None, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4,
                              "total_tokens": (len(prompt) + len(content)) // 4},
                }
                self._send(200, json.dumps(resp), "application/json")

        return H
