"""The oracle LLM of the selection benchmark, served as an OpenAI-compatible endpoint on 127.0.0.1.

It stands in for the model exactly as /work/shared/bench/README.md describes:
- it finds the arXiv ids in the prompt (any prompt format);
- for a paper the real picker picked it answers the recorded relevance/novelty/comment, for any
  other paper relevance 3, novelty 3 -- but only when the prompt SHOWS the paper: the stretch of
  the prompt around its id (up to the neighbouring ids) must hold >= 60 % of the title's words and
  >= 50 % of the abstract's distinct words; otherwise relevance 5, novelty 5, "not enough information";
- it answers in the shape the prompt asks for: {"papers": [...]} (paperbot's LLMScorer and any
  unknown format), JSONL with ARXIVID/COMMENT/RELEVANCE/NOVELTY (the anchor's abstract pass), or a
  JSON list of ids to drop (the anchor's title pass: it cannot judge from titles, so it drops none,
  unless `title_filter="perfect"` makes it drop exactly the non-picks, the anchor's best case);
- usage is characters / 4 (prompt: system + user text; completion: the answer).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ID_RE = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
# Words as a reader counts them; LaTeX command names (\mathcal) are markup, not words.
_WORD = re.compile(r"(?<!\\)\b\w+")
TITLE_SHARE, ABSTRACT_SHARE = 0.6, 0.5
NOT_SHOWN = (5, 5, "not enough information")
OTHER = (3, 3, "No close match to the criteria.")


@dataclass(frozen=True, slots=True)
class Known:
    """What the oracle knows about one candidate: its text and, for picks, the recorded verdict."""

    title: str
    abstract: str
    relevance: int | None = None  # None: not a pick (or an author match without scores)
    novelty: int | None = None
    comment: str = ""

    @property
    def picked(self) -> bool:
        """True for a pick with recorded scores."""
        return self.relevance is not None and self.novelty is not None


def words(text: str) -> set[str]:
    """Distinct lower-cased words."""
    return set(_WORD.findall(text.lower()))


def shown(stretch_words: set[str], known: Known) -> bool:
    """The README's rule: >= 60 % of the title's words and >= 50 % of the abstract's distinct words."""
    title, abstract = words(known.title), words(known.abstract)
    ok_title = not title or len(title & stretch_words) >= TITLE_SHARE * len(title)
    ok_abstract = not abstract or len(abstract & stretch_words) >= ABSTRACT_SHARE * len(abstract)
    return ok_title and ok_abstract


def stretches(prompt: str) -> dict[str, list[str]]:
    """For each id in the prompt, the text around each of its mentions up to the neighbouring other ids."""
    hits = [(m.group(1), m.start(), m.end()) for m in ID_RE.finditer(prompt)]
    out: dict[str, list[str]] = {}
    for i, (ident, start, end) in enumerate(hits):
        lo = next((hits[j][2] for j in range(i - 1, -1, -1) if hits[j][0] != ident), 0)
        hi = next((hits[j][1] for j in range(i + 1, len(hits)) if hits[j][0] != ident), len(prompt))
        out.setdefault(ident, []).append(prompt[lo:start] + " " + prompt[end:hi])
    return out


@dataclass
class OracleStats:
    """What the oracle served, and how long it was busy (to subtract from wall times)."""

    requests: int = 0
    prompt_chars: int = 0
    completion_chars: int = 0
    busy_s: float = 0.0
    not_shown: int = 0  # papers answered "not enough information"
    in_flight: int = 0
    _busy_since: float = 0.0


@dataclass
class Oracle:
    """Answers chat requests about the candidates in `known` (arXiv id -> Known)."""

    known: Mapping[str, Known]
    title_filter: str = "none"  # "none": the title pass drops nothing; "perfect": drops exactly the non-picks
    stats: OracleStats = field(default_factory=OracleStats)

    def verdicts(self, prompt: str) -> dict[str, tuple[int, int, str]]:
        """(relevance, novelty, comment) for every id in the prompt, in order of first mention."""
        out: dict[str, tuple[int, int, str]] = {}
        for ident, texts in stretches(prompt).items():
            k = self.known.get(ident)
            if k is None:
                out[ident] = OTHER
            elif not any(shown(words(t), k) for t in texts):
                out[ident] = NOT_SHOWN
                self.stats.not_shown += 1
            elif k.picked:
                out[ident] = (k.relevance, k.novelty, k.comment)  # type: ignore[assignment]
            else:
                out[ident] = OTHER
        return out

    def answer(self, system: str, user: str) -> str:
        """The answer text, in the format the prompt asks for (judged from the prompt text alone)."""
        prompt = f"{system}\n\n{user}"
        if "list of arxiv ids" in prompt.lower() and "ARXIVID" not in prompt:  # the anchor's title pass
            ids = list(dict.fromkeys(m.group(1) for m in ID_RE.finditer(user)))
            drop = [i for i in ids if self.title_filter == "perfect" and not (self.known.get(i) or Known("", "")).picked]
            return json.dumps(drop)
        verdicts = self.verdicts(user)
        if "ARXIVID" in prompt:  # the anchor's abstract pass: JSONL
            return "\n".join(json.dumps({"ARXIVID": i, "COMMENT": c, "RELEVANCE": r, "NOVELTY": n})
                             for i, (r, n, c) in verdicts.items())
        return json.dumps({"papers": [{"id": i, "comment": c, "relevance": r, "novelty": n}
                                      for i, (r, n, c) in verdicts.items()]}, ensure_ascii=False)

    def completion(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """A chat.completion body for an OpenAI chat request body."""
        messages = request.get("messages") or []
        system = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") in ("system", "developer"))
        user = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")
        text = self.answer(system, user)
        prompt_chars = len(system) + len(user)
        self.stats.requests += 1
        self.stats.prompt_chars += prompt_chars
        self.stats.completion_chars += len(text)
        return {
            "id": f"chatcmpl-oracle-{self.stats.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(request.get("model") or "oracle"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": math.ceil(prompt_chars / 4), "completion_tokens": math.ceil(len(text) / 4),
                      "total_tokens": math.ceil(prompt_chars / 4) + math.ceil(len(text) / 4)},
        }


class OracleServer:
    """The oracle on a threaded http.server at 127.0.0.1:<free port>, path /v1/chat/completions."""

    def __init__(self, oracle: Oracle) -> None:
        self.oracle = oracle
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI base URL to give the client."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> OracleServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one request, tracking the time the oracle is busy (any request in flight)."""
        stats = self.oracle.stats
        with self._lock:
            if stats.in_flight == 0:
                stats._busy_since = time.perf_counter()
            stats.in_flight += 1
        try:
            with self._lock:  # the oracle's counters are not thread-safe; answers are fast anyway
                return self.oracle.completion(request)
        finally:
            with self._lock:
                stats.in_flight -= 1
                if stats.in_flight == 0:
                    stats.busy_s += time.perf_counter() - stats._busy_since


@contextmanager
def serve(oracle: Oracle) -> Iterator[OracleServer]:
    """Run an OracleServer for the duration of a with-block."""
    server = OracleServer(oracle).start()
    try:
        yield server
    finally:
        server.stop()


def _handler(server: OracleServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: Mapping[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "oracle", "object": "model", "owned_by": "bench"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                return
            self._send(200, server.handle(request))

    return Handler
