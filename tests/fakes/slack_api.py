"""A local fake of the Slack Web API (and of response_url / file upload URLs) for the REAL slack_sdk client.

A threaded http.server on 127.0.0.1:0 records every call and answers with Slack's official example
responses (tests/fixtures/slack/slack_web_api_response_examples.official_openapi.json), adjusted to the
request (channel, increasing ts taken from the clock). Posted messages are kept per channel, with their
`metadata` (event_type + event_payload) and uploaded files, and served back by `conversations.history`
and `conversations.replies` as Slack does: newest first / thread order, `oldest` and `limit` honoured,
paged by cursor, metadata only with `include_all_metadata`. Faults are scriptable per method:

    def test_x(slack_api):
        client = AsyncWebClient(token="xoxb-test", base_url=slack_api.base_url)
        slack_api.fail("chat.postMessage", status=429, retry_after=1, times=1)   # then normal answers
        slack_api.fail("chat.postMessage", status=500, after=3)                  # 500 forever from the 4th
        slack_api.fail("chat.postMessage", reset=True, times=2)     # connection reset, request not handled
        slack_api.fail("chat.postMessage", reset=True, accept=True, times=1)  # handled, then the answer lost
        ...
        slack_api.calls_to("chat.postMessage")[0].body["blocks"]
        slack_api.responses("cmd")       # JSON posted to slack_api.response_url("cmd")
"""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakes.slack_history import History, official_example


@dataclass
class Call:
    """One request the fake received."""

    method: str  # Web API method ("chat.postMessage"), "response_url" or "upload"
    path: str
    headers: dict[str, str]
    body: dict[str, Any]  # query + form fields, or the JSON body; JSON-encoded form fields decoded
    at: float
    status: int = 200  # what the fake answered
    answer: dict[str, Any] | None = None  # the JSON it answered with


@dataclass
class Fault:
    """Answer `status` instead of the normal answer: `times` times (None: forever) after `after` calls.

    reset: close the connection with a TCP reset instead of answering; with accept, only after handling
    the call (the message is posted, the answer never arrives).
    """

    method: str
    status: int
    after: int = 0
    times: int | None = None
    retry_after: float | None = None
    error: str = ""
    hits: int = 0
    reset: bool = False
    accept: bool = False


@dataclass
class FakeSlack(History):
    """State shared with the request handler thread."""

    host: str = "127.0.0.1"
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    ws_url: str = "wss://127.0.0.1:1/link"  # what apps.connections.open answers
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)  # thread ts -> its first message
    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages, oldest first
    bot_user: str = "U0PAPERBOT"
    bot_id: str = "B0PAPERBOT"
    _last_ts: float = 0.0
    _seen: dict[str, int] = field(default_factory=dict)
    _uploads: dict[str, str] = field(default_factory=dict)  # file id -> file name
    # Called with each message as it is stored, before the answer goes out (e.g. to kill the poster there).
    on_accept: Callable[[dict[str, Any]], None] | None = None

    @property
    def root(self) -> str:
        """http://127.0.0.1:port"""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What AsyncWebClient(base_url=...) / [slack] api_url should be."""
        return f"{self.root}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A response_url for a slash-command or interaction payload."""
        return f"{self.root}/response/{name}"

    def fail(self, method: str, *, status: int = 0, after: int = 0, times: int | None = None,
             retry_after: float | None = None, error: str = "", reset: bool = False, accept: bool = False) -> None:
        """Script a fault for `method`."""
        with self.lock:
            self.faults.append(Fault(method, status, after, times, retry_after, error, reset=reset, accept=accept))

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message in a channel and its threads, oldest first (copies)."""
        with self.lock:
            return copy.deepcopy(self.messages.get(channel, []))

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        """Calls of one method (by default only those answered 200)."""
        with self.lock:
            return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def responses(self, name: str | None = None) -> list[dict[str, Any]]:
        """Bodies posted to response_url(name) (all response URLs when name is None)."""
        with self.lock:
            return [c.body for c in self.calls
                    if c.method == "response_url" and (name is None or c.path.endswith("/" + name))]

    async def wait_for(self, method: str, count: int = 1, *, within_s: float = 5.0, name: str | None = None) -> list[Any]:
        """Wait (without blocking the loop) until `count` calls of `method` or response_url posts arrived."""
        deadline = time.monotonic() + within_s
        while True:
            got = self.responses(name) if method == "response_url" else self.calls_to(method)
            if len(got) >= count or time.monotonic() > deadline:
                return got
            await asyncio.sleep(0.01)

    def clear_faults(self) -> None:
        """Forget scripted faults (Slack is healthy again)."""
        with self.lock:
            self.faults.clear()

    def _fault_for(self, method: str) -> Fault | None:
        n = self._seen.get(method, 0)
        self._seen[method] = n + 1
        for f in self.faults:
            if f.method == method and n >= f.after and (f.times is None or f.hits < f.times):
                f.hits += 1
                return f
        return None

    def answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """The normal answer of a Web API method, built from the official examples."""
        if method == "auth.test":
            return official_example("auth.test")
        if method == "chat.postMessage":
            ans = official_example("chat.postMessage")
            channel = body.get("channel", ans["channel"])
            message = {"type": "message", "text": body.get("text", ""), "user": self.bot_user,
                       "bot_id": self.bot_id, "ts": self._next_ts(), "blocks": body.get("blocks") or []}
            if body.get("thread_ts"):
                message.update(thread_ts=body["thread_ts"], parent_user_id=self.bot_user)
            if isinstance(body.get("metadata"), dict):
                message["metadata"] = body["metadata"]
            self.messages.setdefault(channel, []).append(message)
            if self.on_accept is not None:
                self.on_accept(message)
            ans.update(ts=message["ts"], channel=channel)
            ans["message"].update(ts=message["ts"], text=message["text"])
            ans["message"].pop("attachments", None)
            return ans
        if method == "conversations.history":
            return self._history(body)
        if method == "conversations.replies":
            return self._replies(body)
        if method == "chat.postEphemeral":
            return official_example("chat.postEphemeral")
        if method == "conversations.info":
            ans = official_example("conversations.info")
            ans["channel"]["id"] = body.get("channel", ans["channel"]["id"])
            return ans
        # Methods without an official example in the fixtures: shaped as documented.
        if method == "chat.delete":
            kept = [m for m in self.messages.get(body.get("channel", ""), []) if m["ts"] != body.get("ts")]
            self.messages[body.get("channel", "")] = kept
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
        if method == "views.open":
            view = body.get("view") or {}
            return {"ok": True, "view": {**view, "id": "V0PAPERBOT", "team_id": "T12345678"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F0CHART{len(self._uploads)}"
            self._uploads[file_id] = body.get("filename", "")
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = [{"id": f.get("id"), "name": self._uploads.get(f.get("id"), ""), "title": f.get("title", "")}
                     for f in body.get("files") or []]
            if body.get("channel_id"):  # shared: a file message appears in the channel (or thread)
                message = {"type": "message", "text": "", "user": self.bot_user, "ts": self._next_ts(),
                           "files": files, "upload": True}
                if body.get("thread_ts"):
                    message["thread_ts"] = body["thread_ts"]
                self.messages.setdefault(body["channel_id"], []).append(message)
            return {"ok": True, "files": files}
        if method == "conversations.open":  # the bot's DM with `users` (documented shape: channel.id "D…")
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", "U0")).lstrip("UW")[:10]}}
        if method == "chat.unfurl":  # documented answer: {"ok": true} (no official example in the fixtures)
            return {"ok": True}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.ws_url}
        return {"ok": False, "error": "unknown_method"}


    def _next_ts(self) -> str:
        # Slack's ts: the posting time in seconds with microseconds, unique per channel.
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        return

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if parts.path.startswith("/upload/"):
            self._record("upload", parts.path, {"bytes": len(raw), "data": raw}, 200)
            return self._send(200, f"OK - {len(raw)}".encode(), "text/plain")
        body = _parse(raw, self.headers.get("Content-Type", ""), parts.query)
        if parts.path.startswith("/response/"):
            self._record("response_url", parts.path, body, 200)
            return self._send(200, b"ok", "text/plain")
        method = parts.path.removeprefix("/api/")
        with self.fake.lock:
            fault = self.fake._fault_for(method)
            if fault is None or fault.accept:
                answer = self.fake.answer(method, body)
        if fault is not None and fault.reset:
            self._record(method, parts.path, body, 0)
            return self._reset()
        if fault is not None:
            headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else {}
            err = fault.error or ("ratelimited" if fault.status == 429 else "internal_error")
            answer = {"ok": False, "error": err}
            self._record(method, parts.path, body, fault.status, answer)
            return self._send(fault.status, json.dumps(answer).encode(), "application/json", headers)
        self._record(method, parts.path, body, 200, answer)
        self._send(200, json.dumps(answer).encode(), "application/json")

    def _record(self, method: str, path: str, body: dict[str, Any], status: int,
                answer: dict[str, Any] | None = None) -> None:
        with self.fake.lock:
            self.fake.calls.append(Call(method, path, dict(self.headers.items()), body, time.monotonic(), status,
                                        answer))

    def _reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0): the client reads 'connection reset by peer'."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send(self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def _parse(raw: bytes, ctype: str, query: str) -> dict[str, Any]:
    body: dict[str, Any] = dict(parse_qsl(query))
    text = raw.decode("utf-8", "replace")
    if "json" in ctype and text:
        body.update(json.loads(text))
    elif text:
        body.update(parse_qsl(text, keep_blank_values=True))
    # Form posts carry these as JSON strings.
    for k in ("blocks", "view", "files", "attachments", "metadata", "unfurls"):
        if isinstance(body.get(k), str):
            try:
                body[k] = json.loads(body[k])
            except ValueError:
                pass
    return body


def start_fake_slack() -> tuple[FakeSlack, ThreadingHTTPServer]:
    """Start a fake on a free port; the caller shuts the server down."""
    fake = FakeSlack()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer((fake.host, 0), handler)
    server.daemon_threads = True
    fake.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake, server


@pytest.fixture
def slack_api() -> Iterator[FakeSlack]:
    """A running fake Slack Web API."""
    fake, server = start_fake_slack()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
