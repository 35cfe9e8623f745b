"""A local fake of Discord's REST API and gateway for tests: the REAL discord.py client talks to it.

aiohttp.web on 127.0.0.1 (same event loop as the test). Point discord.py at it with
`[discord] api_url = fake.api_url` (the adapter sets `discord.http.Route.BASE`, and asks the fake's
`GET /gateway/bot` where its websocket is). Every request is recorded in `fake.requests`; message,
thread and interaction-callback payloads are built from the recorded Discord docs examples in
tests/fixtures/discord/ (CC BY-SA 4.0, see tests/fixtures/licenses/).

    fake.fail("POST", r"/channels/\\d+/messages", Reply.rate_limited(0.3))  # next matching request only
    fake.fail("POST", r"/channels/\\d+/messages", Reply.bad_request(), after=1)  # the second one
    fake.fail("POST", r"/channels/\\d+/messages", Reply.disconnect(accepted=True))  # posted, answer lost

Messages are created as Discord does: a snowflake id from the clock, `nonce` echoed in the answer, and
with `enforce_nonce` a second create with the same nonce by the same author within a few minutes returns
the first message instead of a new one. `GET /channels/{id}/messages` serves a channel's (or thread's)
history newest first with `before`/`after`/`limit`; as on Discord, history does not carry nonces.
    await fake.dispatch("MESSAGE_REACTION_ADD", {...})                      # a gateway event
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_messages import MessageLog

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "discord" / "discord_api_docs_json_examples.json"
APP_ID = "775799577604522054"  # the application id of the docs' interaction examples
BOT_ID = "809850198683418695"  # the bot user of the docs' user-command example ("VoltyDemo")
GUILD_ID = "772904309264089089"
CHANNEL_ID = "772908445358620702"


def example(heading: str, *, source: str = "", index: int = 0) -> dict[str, Any]:
    """A deep copy of a recorded docs example, by heading (and source file), the index-th match."""
    rows = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    hits = [r["example"] for r in rows if r["heading"] == heading and source in r["source_file"]]
    return copy.deepcopy(hits[index])


@dataclass
class Reply:
    """A scripted response."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def rate_limited(cls, retry_after: float = 0.3) -> Reply:
        """429 as Discord sends it (Retry-After, X-RateLimit-*, Via from its proxy)."""
        return cls(429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                   {"Retry-After": str(retry_after), "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(retry_after), "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "user", "Via": "1.1 google"})

    @classmethod
    def server_error(cls, status: int = 502) -> Reply:
        """A 5xx discord.py retries."""
        return cls(status, {"message": "502: Bad Gateway", "code": 0})

    @classmethod
    def forbidden(cls, code: int = 50013, message: str = "Missing Permissions") -> Reply:
        """403 with a Discord JSON error code."""
        return cls(403, {"message": message, "code": code})

    @classmethod
    def bad_request(cls, code: int = 50035, message: str = "Invalid Form Body") -> Reply:
        """400 with a Discord JSON error code (discord.py raises HTTPException at once, no retry)."""
        return cls(400, {"message": message, "code": code})

    @classmethod
    def disconnect(cls, *, accepted: bool = False) -> Reply:
        """Drop the connection without an answer (the client sees a network error, not an HTTP status).

        accepted: handle the request first (the message is created), then drop the connection.
        """
        return cls(-1 if accepted else 0)


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]  # (filename, data)
    at: float  # time.monotonic() on arrival


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern[str]
    replies: list[Reply]
    forever: bool
    after: int = 0  # matching requests answered normally before the replies start


class FakeDiscord(MessageLog):
    """Discord's REST API (the routes discord.py uses here) and a minimal gateway."""

    PREFIX = "/api/v10"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, dict[str, Any]] = {}  # thread id (= parent message id) -> channel object
        self.commands: dict[str, list[dict[str, Any]]] = {}  # guild id -> synced definitions
        self.guild: dict[str, Any] = self._guild()
        self.member_roles: list[str] = []  # the bot member's role ids (doctor)
        self.cdn: dict[str, bytes] = {}  # path -> bytes of files users "uploaded" (attachment options)
        self._rules: list[_Rule] = []
        self._last_id = 0
        self.nonces: dict[tuple[str, str], tuple[str, float]] = {}  # (channel, nonce) -> (message id, when)
        # Called with each created message before the answer goes out (e.g. to kill the poster there).
        self.on_accept: Callable[[dict[str, Any]], None] | None = None
        self._seq = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self.identified = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        """Serve on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{tail:.*}", self._cdn)
        app.router.add_route("*", self.PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Close sockets and the server."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """What `[discord] api_url` should be."""
        return f"http://127.0.0.1:{self.port}{self.PREFIX}"

    # --- scripting and inspection -------------------------------------------------------------------------
    def fail(self, method: str, pattern: str, *replies: Reply, forever: bool = False, after: int = 0) -> None:
        """Answer matching requests with `replies` (each once, or the last one forever), after `after` normal ones."""
        self._rules.append(_Rule(method, re.compile(pattern), list(replies), forever, after))

    def find(self, method: str, pattern: str) -> list[Recorded]:
        """Recorded requests whose path matches `pattern` (re.search)."""
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    def channel_posts(self, channel: str) -> list[dict[str, Any]]:
        """Message payloads successfully posted to a channel or thread, in order."""
        return [m for m in self.messages.values() if m["channel_id"] == channel and not m.get("webhook")]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH (op 0) to every connected client."""
        payload = {"op": 0, "t": event, "s": next(self._seq), "d": data}
        for ws in list(self._sockets):
            await ws.send_str(json.dumps(payload))

    def upload(self, filename: str, data: bytes, *, content_type: str = "text/plain") -> dict[str, Any]:
        """A file a user attached to a command: its attachment object (the documented fields), served by the
        fake's CDN at its `url`. No recording of a resolved attachment exists; built from the field table."""
        att_id = self._snowflake()
        path = f"/attachments/{CHANNEL_ID}/{att_id}/{filename}"
        self.cdn[path] = data
        url = f"http://127.0.0.1:{self.port}{path}"
        return {"id": att_id, "filename": filename, "size": len(data), "url": url, "proxy_url": url,
                "content_type": content_type, "ephemeral": True}

    async def _cdn(self, request: web.Request) -> web.Response:
        self.requests.append(Recorded("GET", request.path, dict(request.query), dict(request.headers), None, [],
                                      time.monotonic()))
        data = self.cdn.get(request.path)
        return web.Response(body=data) if data is not None else web.Response(status=404)

    # --- objects ---------------------------------------------------------------------------------------------
    def bot_user(self) -> dict[str, Any]:
        """The bot user: the docs' "VoltyDemo" bot of the user-command example."""
        resolved = example("Example Interaction", source="application-commands", index=1)["data"]["resolved"]
        return resolved["users"][BOT_ID]

    def _guild(self) -> dict[str, Any]:
        channel = example("Example Guild Text Channel")  # docs example, moved into our guild
        channel.update(id=CHANNEL_ID, guild_id=GUILD_ID, parent_id=None, nsfw=False, rate_limit_per_user=0)
        everyone = {"id": GUILD_ID, "name": "@everyone", "permissions": "309237763136", "position": 0, "color": 0,
                    "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        leads = {**everyone, "id": "785609923542777878", "name": "Leads", "permissions": "0", "position": 1}
        return {"id": GUILD_ID, "name": "Paper Club", "icon": None, "owner_id": "1", "roles": [everyone, leads],
                "channels": [channel], "threads": [], "members": [], "emojis": [], "stickers": [], "features": [],
                "member_count": 3, "large": False, "unavailable": False, "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
                "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0, "system_channel_flags": 0}

    def _message(self, channel_id: str, body: dict[str, Any], files: list[tuple[str, bytes]]) -> dict[str, Any]:
        msg = example("Example Message")  # the docs' message object, with our content
        msg.update(id=self._snowflake(), channel_id=channel_id, author=self.bot_user(), reactions=[],
                   content=body.get("content") or "", embeds=body.get("embeds") or [],
                   components=body.get("components") or [], flags=body.get("flags", 0),
                   mentions=[], mention_roles=[], mention_everyone=False, type=0,
                   attachments=[{"id": self._snowflake(), "filename": name, "size": len(data),
                                 "url": f"http://127.0.0.1/{name}", "proxy_url": f"http://127.0.0.1/{name}"}
                                for name, data in files])
        msg["allowed_mentions_sent"] = body.get("allowed_mentions")
        if ref := body.get("message_reference"):  # a reply: Discord echoes the reference, ids as strings
            msg.update(type=19, message_reference={"type": 0, "message_id": str(ref["message_id"]),
                                                   "channel_id": channel_id, "guild_id": GUILD_ID})
        self.messages[msg["id"]] = msg
        return msg

    # --- HTTP -----------------------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        rec = Recorded(request.method, path, dict(request.query), dict(request.headers), body, files, time.monotonic())
        self.requests.append(rec)
        for rule in self._rules:
            if rule.method == request.method and rule.pattern.search(path) and rule.replies:
                if rule.after > 0:
                    rule.after -= 1
                    continue
                reply = rule.replies[0] if rule.forever and len(rule.replies) == 1 else rule.replies.pop(0)
                if reply.status <= 0:
                    if reply.status < 0:  # accepted: handled as usual, only the answer is lost
                        await self._route(request.method, path, rec)
                    assert request.transport is not None
                    request.transport.abort()  # the client reads a closed connection
                    return web.Response(status=500)
                return _json(reply.status, reply.body, reply.headers)
        return await self._route(request.method, path, rec)

    async def _route(self, method: str, path: str, rec: Recorded) -> web.Response:
        body = rec.json if isinstance(rec.json, dict) else {}
        if method == "GET" and path == "/users/@me":
            return _json(200, self.bot_user())
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(200, {"id": APP_ID, "name": "paperbot", "icon": None, "description": "", "bot_public": True,
                               "bot_require_code_grant": False, "owner": self.bot_user(), "verify_key": "0" * 64,
                               "flags": 0, "summary": "", "team": None})
        if method == "GET" and path == "/gateway/bot":
            info = example("Example Response", source="gateway.mdx", index=1)
            info.update(url=f"ws://127.0.0.1:{self.port}/gateway", shards=1)
            return _json(200, info)
        if m := re.fullmatch(r"/applications/(\d+)/guilds/(\d+)/commands", path):
            if method == "PUT":
                self.commands[m[2]] = [{**c, "id": self._snowflake(), "application_id": m[1], "guild_id": m[2],
                                        "version": "1"} for c in rec.json]
            return _json(200, self.commands.get(m[2], []))
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            channel = m[1]
            if channel != CHANNEL_ID and channel not in self.threads:
                return _json(404, {"message": "Unknown Channel", "code": 10003})
            if method == "GET":
                return _json(200, self.history(channel, rec.query))
            return _json(200, self._create(channel, body, rec.files))
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path):
            if m[2] in self.threads:
                return _json(400, {"message": "A thread has already been created for this message", "code": 160004})
            thread = example("Example Thread Channel")
            thread.update(id=m[2], parent_id=m[1], guild_id=GUILD_ID, owner_id=BOT_ID, name=body.get("name", ""))
            self.threads[m[2]] = thread
            await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})  # as Discord tells the bot
            return _json(201, thread)
        if re.fullmatch(r"/channels/\d+/messages/\d+/reactions/[^/]+/@me", path) and method == "PUT":
            return web.Response(status=204)
        if (m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)) and method == "DELETE":
            if self.messages.get(m[2], {}).get("channel_id") != m[1]:
                return _json(404, {"message": "Unknown Message", "code": 10008})
            del self.messages[m[2]]
            return web.Response(status=204)
        if m := re.fullmatch(r"/channels/(\d+)", path):
            chan = next((c for c in self.guild["channels"] if c["id"] == m[1]), None)
            return _json(200, chan) if chan else _json(404, {"message": "Unknown Channel", "code": 10003})
        if re.fullmatch(rf"/guilds/{GUILD_ID}", path):
            return _json(200, {k: v for k, v in self.guild.items() if k not in ("channels", "members", "threads")})
        if re.fullmatch(rf"/guilds/{GUILD_ID}/channels", path):
            return _json(200, self.guild["channels"])
        if re.fullmatch(rf"/guilds/{GUILD_ID}/members/\d+", path):
            return _json(200, {"user": self.bot_user(), "roles": self.member_roles, "joined_at": "2024-01-01T00:00:00Z",
                               "deaf": False, "mute": False, "flags": 0})
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return _json(200, self._callback(m[1], body, rec.files))
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/([^/]+))?", path):
            if method == "DELETE":
                return web.Response(status=204)
            msg = self._message(CHANNEL_ID, body.get("data", body) if "type" in body else body, rec.files)
            msg.update(webhook=True, webhook_id=m[1], interaction_token=m[2])
            return _json(200, msg)
        return _json(404, {"message": f"fake Discord: no route for {method} {path}", "code": 0})

    def _callback(self, interaction_id: str, body: dict[str, Any], files: list[tuple[str, bytes]]) -> dict[str, Any]:
        kind = body.get("type")
        data = body.get("data") or {}
        out: dict[str, Any] = {"interaction": {"id": interaction_id, "type": 2, "response_message_loading": kind == 5,
                                               "response_message_ephemeral": bool(data.get("flags", 0) & 64)},
                               "resource": {"type": kind}}
        if kind == 4:
            msg = self._message(CHANNEL_ID, data, files)
            msg["webhook"] = True
            out["interaction"]["response_message_id"] = msg["id"]
            out["resource"]["message"] = msg
        return out

    # --- gateway --------------------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps(example("Example Hello")))  # op 10, heartbeat_interval 45000
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                if frame.get("op") == 1:  # heartbeat -> ack
                    await ws.send_str(json.dumps({"op": 11}))
                elif frame.get("op") == 2:  # identify -> READY, then the guild
                    self.identified.set()
                    await self.dispatch("READY", {
                        "v": 10, "user": self.bot_user(), "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": "fake-session", "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                        "shard": [0, 1], "application": {"id": APP_ID, "flags": 0}})
                    await self.dispatch("GUILD_CREATE", self.guild)
        finally:
            self._sockets.remove(ws)
        return ws


async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    """JSON body, or multipart payload_json + files[n] (how discord.py uploads attachments)."""
    files: list[tuple[str, bytes]] = []
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(data)
            else:
                files.append((part.filename or "", bytes(data)))  # type: ignore[union-attr]
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), files


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json" (no charset): discord.py only decodes JSON on that exact header value.
    return web.Response(status=status, body=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json", **(headers or {})})

