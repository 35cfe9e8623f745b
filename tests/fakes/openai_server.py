"""A local OpenAI-compatible server for tests: the REAL openai client talks HTTP to it.

Answers are built from RECORDED chat.completion envelopes (tests/fixtures/openai/, openai-python's own
recordings): the envelope keeps its id, model, usage and finish_reason, and only the message content
is replaced by what the test needs.

    def test_x(openai_server):
        openai_server.answer = lambda req: '{"papers": []}'      # or a Reply / HTTPError
        openai_server.push(HTTPError.rate_limited(retry_after="1"), "ok")  # scripted first, in order
        chat = OpenAIChat(model="m", base_url=openai_server.base_url)
        ...
        openai_server.requests[-1]["response_format"]
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "openai" / "openai_python_recorded_responses.jsonl"
DEFAULT_ENVELOPE = "test_parse_pydantic_model"  # a plain JSON answer, finish_reason "stop", with usage
TRUNCATED_ENVELOPE = "test_parse_max_tokens_reached"  # content '{"', finish_reason "length"
PROSE_ENVELOPE = "test_parse_nothing"  # a non-JSON prose answer

_PAPER_ID = re.compile(r"^\[([^\]\s]+)\]", re.MULTILINE)


def recorded(test_name: str) -> dict[str, Any]:
    """A deep copy of the recorded response body of one openai-python test."""
    for line in RECORDINGS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["test"] == test_name:
            return copy.deepcopy(row["response"])
    raise KeyError(test_name)


def recorded_content(test_name: str) -> str:
    """The message content of a recorded chat.completion."""
    return recorded(test_name)["choices"][0]["message"]["content"] or ""


@dataclass
class Reply:
    """A chat.completion answer: recorded `envelope` with `content` (None keeps the recorded one)."""

    content: str | None = None
    envelope: str = DEFAULT_ENVELOPE
    finish_reason: str | None = None  # None keeps the envelope's
    usage: dict[str, Any] | None = None  # None keeps the envelope's
    omit_usage: bool = False
    delay: float = 0.0  # seconds to wait before answering (timeouts, concurrency)

    def body(self, *, omit_usage: bool = False) -> dict[str, Any]:
        """The JSON body to send."""
        data = recorded(self.envelope)
        choice = data["choices"][0]
        data["choices"] = [choice]
        if self.content is not None:
            choice["message"]["content"] = self.content
        if self.finish_reason is not None:
            choice["finish_reason"] = self.finish_reason
        if self.usage is not None:
            data["usage"] = self.usage
        if omit_usage or self.omit_usage:
            data.pop("usage", None)
        return data


@dataclass
class HTTPError:
    """An error response in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""

    status: int
    message: str = "error"
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body to send."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    @classmethod
    def rate_limited(cls, retry_after: str = "1") -> HTTPError:
        """429 with a Retry-After header."""
        return cls(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded",
                   headers={"Retry-After": retry_after})

    @classmethod
    def server_error(cls, status: int = 500) -> HTTPError:
        """A 5xx the SDK retries."""
        return cls(status, "The server had an error while processing your request.", "server_error")

    @classmethod
    def format_rejected(cls, kind: str = "json_schema") -> HTTPError:
        """400 as a server without structured output answers it (llama.cpp/Ollama-style wording)."""
        return cls(400, f"response_format type '{kind}' is not supported", param="response_format")

    @classmethod
    def unauthorized(cls) -> HTTPError:
        """401 for a bad key."""
        return cls(401, "Incorrect API key provided.", code="invalid_api_key")


Answer = Callable[[dict[str, Any]], "str | Reply | HTTPError"]


def user_prompt(request: dict[str, Any]) -> str:
    """The last user message of a recorded request."""
    return [m for m in request["messages"] if m["role"] == "user"][-1]["content"]


def ids_in(request: dict[str, Any]) -> list[str]:
    """Paper ids the prompt lists as "[<id>] <title>" lines, in order."""
    return _PAPER_ID.findall(user_prompt(request))


class FakeOpenAI:
    """Threaded HTTP server on 127.0.0.1:0 with POST /v1/chat/completions and GET /v1/models."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []  # every chat request body, in arrival order
        self.headers: list[dict[str, str]] = []
        self.script: deque[str | Reply | HTTPError] = deque()  # consumed first, one per request
        self.answer: Answer | None = None  # then this, for every further request
        self.omit_usage = False
        self.reject_formats: set[str] = set()  # response_format types to refuse with a 400
        self.api_keys: set[str] | None = None  # keys it accepts (401 otherwise, as OpenAI); None: any
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        """Where to point the client, ending in /v1."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def push(self, *items: str | Reply | HTTPError) -> None:
        """Queue answers for the next requests, in order (a str is the message content)."""
        self.script.extend(items)

    def start(self) -> FakeOpenAI:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()

    def _next(self, request: dict[str, Any]) -> str | Reply | HTTPError:
        fmt = (request.get("response_format") or {}).get("type")
        if fmt in self.reject_formats:
            return HTTPError.format_rejected(fmt)
        with self._lock:
            if self.script:
                return self.script.popleft()
        if self.answer is not None:
            return self.answer(request)
        return HTTPError(418, "fake OpenAI server: no scripted answer for this request")


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def _refused(self) -> bool:
            """401 as OpenAI answers a missing or wrong key, when the fake checks keys."""
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if fake.api_keys is None or key in fake.api_keys:
                return False
            self._send(401, HTTPError.unauthorized().body())
            return True

        def do_GET(self) -> None:
            if self._refused():
                return
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "gpt-4o-2024-08-06", "object": "model",
                                                             "created": 0, "owned_by": "system"}]})
            else:
                self._send(404, HTTPError(404, f"no route {self.path}").body())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.endswith("/chat/completions"):
                self._send(404, HTTPError(404, f"no route {self.path}").body())
                return
            if self._refused():
                return
            with fake._lock:
                fake.requests.append(request)
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                fake.in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            try:
                item = fake._next(request)
                if isinstance(item, str):
                    item = Reply(item)
                if isinstance(item, HTTPError):
                    self._send(item.status, item.body(), item.headers)
                    return
                if item.delay:
                    time.sleep(item.delay)
                self._send(200, item.body(omit_usage=fake.omit_usage))
            finally:
                with fake._lock:
                    fake.in_flight -= 1

    return Handler


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    """A running FakeOpenAI; `.base_url` for the client, `.requests` for what it sent."""
    server = FakeOpenAI().start()
    yield server
    server.stop()
