"""The arXiv PaperSource: daily listings from rss.arxiv.org, look-ups through the arxiv package, HTML text.

Every request (RSS, API, HTML) goes through one Throttle: one connection at a time, `min_interval_s`
apart, as arXiv's terms ask. The blocking clients (requests, arxiv) run in worker threads under an
outer deadline, so the event loop never waits on the network. Failures leave this module only as
UpstreamError("arXiv", …), after bounded retries (with backoff) of 429 and 5xx answers, dropped
connections and timeouts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import arxiv
import requests

from bot.core.models import ANNOUNCE_TYPES, Listing, Paper, parse_arxiv_id
from bot.ports import UpstreamError
from bot.sources.html_text import html_to_text
from bot.sources.rss import parse_feed, select
from bot.sources.throttle import Throttle, Transient, retry_after_seconds

log = logging.getLogger(__name__)

USER_AGENT = "paperbot/0.1 (+https://github.com/paperbot/paperbot; arXiv digests for research teams)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})  # busy or a transient server failure
API_BATCH = 100  # ids per API request; also the page size, so one batch is one request
# arXiv's count of matches in an API answer's header (the arxiv package reads it but does not expose it).
_TOTAL_RESULTS = re.compile(rb"<opensearch:totalResults[^>]*>\s*(\d+)\s*<")
_VERSION_SUFFIX = re.compile(r"v(\d+)(?:\.pdf)?/?$", re.IGNORECASE)
T = TypeVar("T")


def polite_get(url: str, *, timeout_s: float) -> requests.Response:
    """One blocking GET to arXiv with our User-Agent: busy answers and lost connections raise Transient."""
    # 429/5xx include OAI-PMH's flow control (503 + Retry-After); other request failures are UpstreamError.
    try:
        r = requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=timeout_s)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise Transient(type(exc).__name__) from None
    except requests.RequestException as exc:
        raise UpstreamError("arXiv", f"cannot GET {url}: {type(exc).__name__}: {exc}") from None
    if r.status_code in RETRY_STATUSES:
        raise Transient(f"HTTP {r.status_code}", retry_after_seconds(r.headers.get("Retry-After")))
    return r


class _BadRequest(Exception):
    """The API rejected the id list (HTTP 400: an id it cannot parse)."""


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    content_type: str
    body: bytes

    def text(self) -> str:
        charset = re.search(r"charset=([\w-]+)", self.content_type)
        try:
            return self.body.decode(charset.group(1) if charset else "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class _PoliteSession(requests.Session):
    """The session handed to the arxiv client: it adds the timeout and User-Agent the client leaves out."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.retry_after: float | None = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """Send with our timeout and User-Agent; remember the answer's Retry-After."""
        kwargs.setdefault("timeout", self.timeout_s)
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "user-agent": USER_AGENT}
        response = super().request(method, url, *args, **kwargs)
        self.retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return response


class _CountingSession(_PoliteSession):
    """A _PoliteSession that also keeps arXiv's count of matches from the last answer (None if it had none)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(timeout_s)
        self.total_results: int | None = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """Send as _PoliteSession does; read opensearch:totalResults off the answer."""
        response = super().request(method, url, *args, **kwargs)
        found = _TOTAL_RESULTS.search(response.content[:4096])  # it is in the feed header, before any entry
        self.total_results = int(found.group(1)) if found else None
        return response


class ArxivSource:
    """PaperSource backed by arXiv: RSS listings, API look-ups (arxiv package) and HTML full text."""

    def __init__(
        self,
        *,
        rss_url: str = "https://rss.arxiv.org/rss/{categories}",
        api_url: str = "https://export.arxiv.org/api/query",
        html_url: str = "https://arxiv.org/html/{id}",
        timeout_s: float = 30,
        min_interval_s: float = 3.0,
        max_retries: int = 3,
    ) -> None:
        self.rss_url, self.api_url, self.html_url = rss_url, api_url, html_url
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.throttle = Throttle(min_interval_s)

    async def listing(self, categories: Sequence[str], announce_types: Sequence[str]) -> Listing:
        """Today's announcement for the categories (empty Listing on days without one)."""
        if not categories:
            raise ValueError("listing needs at least one arXiv category")
        unknown = sorted({t.strip().lower() for t in announce_types} - set(ANNOUNCE_TYPES))
        if unknown:
            raise ValueError(f"unknown announce type(s) {unknown}; known: {list(ANNOUNCE_TYPES)}")
        url = self.rss_url.format(categories="+".join(quote(c.strip(), safe=".-") for c in categories))
        response = await self._call(lambda: self._http_get(url), what=url)
        if response.status != 200:
            raise UpstreamError("arXiv", f"HTTP {response.status} from {url}")
        page = parse_feed(response.body, url=url)
        return Listing(day=page.day, entries=select(page.entries, announce_types), source_url=url)

    async def fetch(self, arxiv_ids: Sequence[str]) -> list[Paper]:
        """Full metadata for ids; unknown and malformed ids are simply absent from the result."""
        queries: dict[str, str] = {}  # query id (with the version asked for, if any) -> bare id
        for raw in arxiv_ids:
            asked = _query_id(raw)
            if asked is None:
                log.info("not an arXiv id, skipped: %r", raw)
            else:
                queries.setdefault(asked, parse_arxiv_id(asked) or asked)
        found: dict[str, Paper] = {}
        ids = list(queries)
        for start in range(0, len(ids), API_BATCH):
            for result in await self._fetch_batch(ids[start : start + API_BATCH]):
                paper = _paper(result)
                found.setdefault(paper.arxiv_id, paper)
        ordered = dict.fromkeys(queries.values())  # input order, each paper once
        return [found[i] for i in ordered if i in found]

    async def full_text(self, arxiv_id: str) -> str | None:
        """The paper's text from its arXiv HTML page, or None when there is none (or arXiv fails)."""
        asked = _query_id(arxiv_id)
        if asked is None:
            return None
        url = self.html_url.format(id=asked)
        try:
            response = await self._call(lambda: self._http_get(url), what=url)
        except UpstreamError as exc:
            log.warning("no full text for %s, callers fall back to the abstract: %s", arxiv_id, exc)
            return None
        if response.status == 404:
            return None
        if response.status != 200:
            log.warning("no full text for %s: HTTP %s from %s", arxiv_id, response.status, url)
            return None
        return html_to_text(response.text()) or None

    async def search(self, query: str, *, start: int = 0, max_results: int = 10) -> tuple[list[Paper], int]:
        """One page of an arXiv API search (`query` in the API's search_query syntax), most relevant first,
        and how many papers arXiv says match in all."""
        return await self._call(lambda: self._api_search(query, start, max_results),
                                what=f"{self.api_url} (search {query[:80]!r})")

    async def _fetch_batch(self, ids: list[str]) -> list[arxiv.Result]:
        """One API request for `ids`; on HTTP 400 split the batch so one bad id cannot hide the rest."""
        try:
            return await self._call(lambda: self._api_query(ids), what=f"{self.api_url} (id_list of {len(ids)})")
        except _BadRequest:
            if len(ids) == 1:
                log.info("arXiv API rejected id %r (HTTP 400), treated as unknown", ids[0])
                return []
            middle = len(ids) // 2
            return await self._fetch_batch(ids[:middle]) + await self._fetch_batch(ids[middle:])

    async def _call(self, blocking: Callable[[], T], *, what: str) -> T:
        """Run a blocking request through the shared throttle with our timeout and retry budget."""
        return await self.throttle.call(blocking, what=what, timeout_s=self.timeout_s, max_retries=self.max_retries)

    def _http_get(self, url: str) -> _Response:
        """GET in a worker thread; 429/5xx and connection trouble raise Transient."""
        r = polite_get(url, timeout_s=self.timeout_s)
        return _Response(r.status_code, r.headers.get("Content-Type", ""), r.content)

    def _api_query(self, ids: list[str]) -> list[arxiv.Result]:
        """Run one id_list search through the arxiv package (in a worker thread)."""
        # Retries and spacing are ours (shared with RSS/HTML); the client's own would sleep in a thread.
        client = arxiv.Client(page_size=API_BATCH, delay_seconds=self.throttle.min_interval_s, num_retries=0)
        client.query_url_format = self.api_url + "?{}"
        session = _PoliteSession(self.timeout_s)
        if hasattr(client, "_session"):  # arxiv 4.x sends with no timeout; ours bounds each request
            client._session = session
        try:
            return list(client.results(arxiv.Search(id_list=ids, max_results=len(ids))))
        except arxiv.HTTPError as exc:
            if exc.status == 400:
                raise _BadRequest from None
            if exc.status in RETRY_STATUSES:
                raise Transient(f"HTTP {exc.status}", session.retry_after) from None
            raise UpstreamError("arXiv", f"HTTP {exc.status} from {exc.url}") from None
        except arxiv.UnexpectedEmptyPageError:
            raise Transient("unexpected empty page") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Transient(type(exc).__name__) from None
        except requests.RequestException as exc:
            raise UpstreamError("arXiv", f"API request failed: {type(exc).__name__}: {exc}") from None
        finally:
            session.close()


    def _api_search(self, query: str, start: int, max_results: int) -> tuple[list[Paper], int]:
        """Run one search page through the arxiv package (in a worker thread): exactly one API request."""
        session = _CountingSession(self.timeout_s)
        client = arxiv.Client(page_size=max_results, delay_seconds=0, num_retries=0)  # spacing and retries: ours
        client.query_url_format, client._session = self.api_url + "?{}", session
        try:
            results = list(client.results(arxiv.Search(query=query, max_results=start + max_results), offset=start))
        except (arxiv.HTTPError, requests.RequestException) as exc:
            raise _search_failure(exc, session.retry_after) from None
        finally:
            session.close()
        total = session.total_results
        if total is None:  # every API feed says how many papers match: this answer came from something else
            raise UpstreamError("arXiv", "the search was not answered with an API feed")
        if not results and start < total:
            # arXiv now and then answers a page it has with no entries; asking again usually works.
            raise Transient("an empty page of a search that has results")
        return [_paper(r) for r in results if parse_arxiv_id(r.entry_id)], total  # (an error entry has no id)


def _search_failure(exc: Exception, retry_after: float | None) -> Exception:
    """What a failed search request becomes: Transient (worth retrying) or UpstreamError (say so)."""
    if isinstance(exc, arxiv.HTTPError):
        if exc.status in RETRY_STATUSES:
            return Transient(f"HTTP {exc.status}", retry_after)
        return UpstreamError("arXiv", f"HTTP {exc.status} for a search")
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return Transient(type(exc).__name__)
    return UpstreamError("arXiv", f"search request failed: {type(exc).__name__}")


def _query_id(text: str) -> str | None:
    """The id to ask arXiv for: canonical, keeping a version if one was given; None if not an id."""
    bare = parse_arxiv_id(text)
    if bare is None:
        return None
    version = _VERSION_SUFFIX.search(text.strip())
    return f"{bare}v{version.group(1)}" if version else bare


def _paper(result: arxiv.Result) -> Paper:
    """Our Paper from an arxiv.Result (id without version, primary category first)."""
    short = result.get_short_id()
    version = _VERSION_SUFFIX.search(short)
    primary = result.primary_category
    categories = ([primary] if primary else []) + [c for c in result.categories if c != primary]
    return Paper(
        arxiv_id=parse_arxiv_id(short) or short,
        title=" ".join(result.title.split()),
        abstract=" ".join(result.summary.split()),
        authors=tuple(a.name for a in result.authors),
        categories=tuple(categories),
        published=result.published.date().isoformat(),
        version=int(version.group(1)) if version else 1,
        arxiv_comment=" ".join((result.comment or "").split()),
    )
