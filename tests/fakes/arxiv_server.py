"""A fake arXiv on 127.0.0.1 (RSS feeds, the export API, HTML pages) for tests of the real clients.

    with ArxivServer() as server:               # or the pytest fixture `arxiv_server`
        server.rss("cs.LG+cs.AI", render_rss(entries, day=date(2025, 4, 28)))
        server.add("/rss/quant-ph", Reply(503, headers={"Retry-After": "1"}), Reply(200, body))
        source = ArxivSource(rss_url=server.rss_url, api_url=server.api_url, html_url=server.html_url)
        ...
        server.requests  # every request seen: path, query, headers, arrival time

Answers, first match wins: the most recently added route for the path (and query, if the route names
one); then, for /api/query, a feed of the entries for the requested ids, taken from the recorded
single-id answers and from papers given to `add_paper` (empty for other ids, as arXiv answers unknown
ids); else 404. A route's replies are used in order and the last one repeats.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

from bot.core.models import Paper, parse_arxiv_id
from bot.replay import render_rss  # noqa: F401 - re-exported for tests
from tests.fakes.arxiv_oai import OAI_TYPE, FakeOai

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API_FIXTURES = FIXTURES / "arxiv_api" / "arxiv.py_fixtures"
RSS_QUANT_PH = FIXTURES / "arxiv_rss" / "rss2_quant-ph_2025-04-28.xml"  # real feed, 81 items
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One scripted answer; `delay_s` holds it back (to provoke client timeouts)."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"
    delay_s: float = 0.0


@dataclass(frozen=True)
class SeenRequest:
    """A request the server received."""

    method: str
    path: str  # unquoted, without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    at: float  # time.monotonic() on arrival

    def param(self, name: str) -> str:
        """The first value of a query parameter ("" if absent)."""
        return self.query.get(name, [""])[0]


@dataclass
class _Route:
    path: str
    query: dict[str, str] | None
    replies: deque[Reply]

    def matches(self, path: str, query: dict[str, list[str]]) -> bool:
        if path != self.path:
            return False
        return self.query is None or all(query.get(k, [None])[0] == v for k, v in self.query.items())

    def next_reply(self) -> Reply:
        return self.replies.popleft() if len(self.replies) > 1 else self.replies[0]


class ArxivServer:
    """Threaded fake of rss.arxiv.org, export.arxiv.org/api/query and arxiv.org/html on one local port."""

    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self.max_in_flight = 0  # arXiv allows one connection at a time: tests assert this stays 1
        self._in_flight = 0
        self._routes: list[_Route] = []
        self._entries: dict[str, str] = {}  # query id -> <entry> XML, from recordings and add_paper
        self._lock = threading.Lock()
        self.oai: FakeOai | None = None  # OAI-PMH ListRecords at /oai (tests/fakes/arxiv_oai.py)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # never wait for a reply held back by delay_s
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def rss_url(self) -> str:
        """Template for ArxivSource(rss_url=…)."""
        return self.url + "/rss/{categories}"

    @property
    def api_url(self) -> str:
        """Value for ArxivSource(api_url=…)."""
        return self.url + "/api/query"

    @property
    def oai_url(self) -> str:
        """Value for OaiArchive(oai_url=…) / [arxiv] oai_url."""
        return self.url + "/oai"

    @property
    def html_url(self) -> str:
        """Template for ArxivSource(html_url=…)."""
        return self.url + "/html/{id}"

    def add(self, path: str, *replies: Reply, query: dict[str, str] | None = None) -> None:
        """Answer GET `path` (and `query`, when given) with `replies` in order; the last one repeats."""
        if not replies:
            raise ValueError("add() needs at least one Reply")
        with self._lock:
            self._routes.append(_Route(path, query, deque(replies)))

    def rss(self, categories: str | Sequence[str], body: bytes | str | Path, *, atom: bool = False) -> str:
        """Serve a feed body at /rss/<cats> (or /atom/<cats>); return the path."""
        cats = categories if isinstance(categories, str) else "+".join(categories)
        path = f"/{'atom' if atom else 'rss'}/{cats}"
        data = body.read_bytes() if isinstance(body, Path) else body
        self.add(path, Reply(200, data, content_type=ATOM_TYPE if atom else RSS_TYPE))
        return path

    def html(self, arxiv_id: str, body: bytes | str, *, status: int = 200) -> None:
        """Serve an HTML page at /html/<id>."""
        self.add(f"/html/{arxiv_id}", Reply(status, body, content_type="text/html; charset=utf-8"))

    def add_api_fixture(self, path: Path) -> None:
        """Replay a recorded API answer ({"url", "status_code", "body"} JSON) on the query it answers."""
        record = json.loads(path.read_text(encoding="utf-8"))
        query = {k: v[0] for k, v in parse_qs(urlsplit(record["url"]).query, keep_blank_values=True).items()}
        body = record["body"].encode("latin-1")
        self.add(urlsplit(self.api_url).path, Reply(record["status_code"], body, content_type=ATOM_TYPE),
                 query=query)
        ids = query.get("id_list", "").split(",")
        if record["status_code"] == 200 and len(ids) == 1 and ids[0]:
            # Keep the recorded entry too, so a batched look-up that includes this id finds it.
            for entry in re.findall(r"<entry>.*?</entry>", body.decode("utf-8"), flags=re.S):
                with self._lock:
                    self._entries[ids[0]] = entry

    def add_api_fixtures(self, directory: Path = API_FIXTURES) -> None:
        """Replay every recorded API answer in `directory`."""
        for path in sorted(directory.glob("*.json")):
            self.add_api_fixture(path)

    def add_paper(self, paper: Paper) -> None:
        """Let /api/query id look-ups find `paper` (answered in the API's Atom format)."""
        with self._lock:
            self._entries[paper.arxiv_id] = _render_entry(paper)

    def paths(self) -> list[str]:
        """Paths requested so far, in order."""
        return [r.path for r in self.requests]

    def start(self) -> ArxivServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and free the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ArxivServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _answer(self, path: str, query: dict[str, list[str]]) -> Reply:
        with self._lock:
            for route in reversed(self._routes):
                if route.matches(path, query):
                    return route.next_reply()
            entries = dict(self._entries)
        if path == "/oai" and self.oai is not None:
            status, body = self.oai.answer(query)
            return Reply(status, body, content_type=OAI_TYPE)
        if path == urlsplit(self.api_url).path:
            ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
            found = [entries.get(i) or entries.get(parse_arxiv_id(i) or i) for i in ids]
            return Reply(200, _api_feed([e for e in found if e]), content_type=ATOM_TYPE)
        return Reply(404, f"no route for {path}", content_type="text/plain")


def _handler_for(server: ArxivServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server dispatches on this name
            parts = urlsplit(self.path)
            path, query = unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)
            with server._lock:
                server._in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server._in_flight)
                server.requests.append(SeenRequest("GET", path, query,
                                                   {k.lower(): v for k, v in self.headers.items()},
                                                   time.monotonic()))
            try:
                reply = server._answer(path, query)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (timeout test): nothing to answer to
            finally:
                with server._lock:
                    server._in_flight -= 1

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep pytest output clean

    return Handler


def render_api_feed(papers: Iterable[Paper]) -> bytes:
    """An export.arxiv.org/api/query answer (Atom, as in the recorded look-ups) listing these papers."""
    return _api_feed([_render_entry(p) for p in papers])


def _render_entry(p: Paper) -> str:
    """One API <entry> for a paper, shaped like the recorded ones."""
    authors = "".join(f"\n    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in p.authors)
    cats = "".join(f'\n    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>'
                   for c in p.categories)
    published = f"{p.published or '2025-01-01'}T00:00:00Z"
    comment = f"\n    <arxiv:comment>{escape(p.arxiv_comment)}</arxiv:comment>" if p.arxiv_comment else ""
    return f"""<entry>
    <id>http://arxiv.org/abs/{p.arxiv_id}v{p.version}</id>
    <title>{escape(p.title)}</title>
    <updated>{published}</updated>
    <link href="https://arxiv.org/abs/{p.arxiv_id}v{p.version}" rel="alternate" type="text/html"/>
    <summary>{escape(p.abstract)}</summary>{cats}
    <published>{published}</published>{comment}
    <arxiv:primary_category term={quoteattr(p.primary_category)}/>{authors}
  </entry>"""


def _api_feed(entries: list[str]) -> bytes:
    """Wrap <entry> elements in the API's feed header."""
    body = "".join(f"\n  {e}" for e in entries)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" \
xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fake</id>
  <title>arXiv Query</title>
  <updated>2026-01-01T00:00:00Z</updated>
  <opensearch:itemsPerPage>100</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>{body}
</feed>
""".encode()


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    """A running fake arXiv that already replays the recorded API look-ups."""
    with ArxivServer() as server:
        server.add_api_fixtures()
        yield server
