"""The load benchmark's traffic: signed slash commands and reaction events, sent at a fixed concurrency.

Payloads are bolt-python's recorded ones (tests/fixtures/slack/bolt_python_tests/) with our command,
text, user, channel and message; each is signed as Slack signs it (v0 HMAC of timestamp and body).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "slack" / "bolt_python_tests"
CHANNEL = "C111"  # the channel of the recorded payloads; the bench team posts there
COMMANDS = ("/papers today", "/papers week", "/papers top all", "/papers search mixture of experts routing",
            "/criteria show", "/papers mine", "/papers week --page 2", "/papers cost month")
EMOJI = (("+1", 1), ("fire", 1), ("-1", -1), ("thumbsup", 1))


@dataclass(frozen=True, slots=True)
class Hit:
    """One request to send: form (command) or JSON (event) body."""

    kind: str  # "command" | "reaction"
    body: str
    content_type: str


@dataclass
class Plan:
    """What will be sent, and the votes it must leave in the store."""

    hits: list[Hit]
    expected: dict[tuple[str, str], int]  # (user, arxiv id) -> final vote (+1/-1), zeros left out


@dataclass
class Timings:
    """Ack latencies (ms) per kind, and failures."""

    ms: dict[str, list[float]] = field(default_factory=lambda: {"command": [], "reaction": []})
    slowest: list[tuple[float, float, str]] = field(default_factory=list)  # (ms, seconds into the load, kind)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0


def command_body(line: str, *, user: str, response_url: str) -> str:
    """The recorded slash-command form with our command line."""
    fields = dict(parse_qsl((FIXTURES / "slash_command_form_body.txt").read_text().strip(), keep_blank_values=True))
    name, _, text = line.partition(" ")
    fields.update(command=name, text=text, user_id=user, channel_id=CHANNEL, response_url=response_url)
    return urlencode(fields)


def reaction_body(kind: str, *, user: str, ts: str, emoji: str, event_id: str) -> str:
    """The recorded reaction_added envelope aimed at one of our messages."""
    body = json.loads((FIXTURES / "event_reaction_added.json").read_text())
    body["event"].update(type=kind, user=user, reaction=emoji)
    body["event"]["item"].update(channel=CHANNEL, ts=ts)
    body["event_id"] = event_id
    return json.dumps(body)


def plan(messages: dict[str, str], *, commands: int, reactions: int, users: int, response_url: str) -> Plan:
    """Commands spread evenly among reactions; the last fifth of the reactions take back early ones.

    `messages` maps a message ts to the paper it stands for. Four adds per user (one per emoji kind, on
    different papers), then removes of the first adds, sent thousands of events after them.
    """
    ts = list(messages)
    adds = reactions * 4 // 5
    active: dict[tuple[str, str, str], tuple[str, int]] = {}
    events: list[Hit] = []
    for k in range(reactions):
        if k < adds:
            user, block = f"U{k % users:05d}", k // users
            emoji, value = EMOJI[block % len(EMOJI)]
            msg = ts[(k % users * 3 + block) % len(ts)]
            active[(user, msg, emoji)] = (messages[msg], value)
            kind = "reaction_added"
        else:
            j = k - adds  # take back the j-th add
            user, block = f"U{j % users:05d}", j // users
            emoji, _ = EMOJI[block % len(EMOJI)]
            msg = ts[(j % users * 3 + block) % len(ts)]
            active.pop((user, msg, emoji))
            kind = "reaction_removed"
        events.append(Hit("reaction", reaction_body(kind, user=user, ts=msg, emoji=emoji, event_id=f"Ev{k:06d}"),
                          "application/json"))
    sums: dict[tuple[str, str], int] = {}
    for (user, _, _), (paper, value) in active.items():
        sums[(user, paper)] = sums.get((user, paper), 0) + value
    expected = {key: (s > 0) - (s < 0) for key, s in sums.items() if s}
    total, sent = commands + reactions, 0
    pending = iter(events)
    hits: list[Hit] = []
    for i in range(total):  # commands spread evenly through the reactions
        if sent < commands and (i + 1) * commands // total > sent:
            line = COMMANDS[sent % len(COMMANDS)]
            hits.append(Hit("command", command_body(line, user=f"W{sent:05d}", response_url=response_url),
                            "application/x-www-form-urlencoded"))
            sent += 1
        else:
            hits.append(next(pending))
    return Plan(hits, expected)


async def send_all(url: str, hits: list[Hit], *, secret: str, concurrency: int) -> Timings:
    """Send every hit, `concurrency` at a time, in order; time each until its response is read."""
    verifier = SignatureVerifier(secret)
    out = Timings()
    queue: Iterator[Hit] = iter(hits)

    async def worker(session: aiohttp.ClientSession) -> None:
        for hit in queue:
            stamp = str(int(time.time()))
            headers = {"Content-Type": hit.content_type, "X-Slack-Request-Timestamp": stamp,
                       "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=hit.body)}
            t0 = time.perf_counter()
            try:
                async with session.post(url, data=hit.body.encode(), headers=headers) as resp:
                    await resp.read()
                    if resp.status != 200:
                        out.errors.append(f"{hit.kind}: HTTP {resp.status}")
            except (aiohttp.ClientError, TimeoutError) as e:
                out.errors.append(f"{hit.kind}: {type(e).__name__}: {e}")
                continue
            ms = (time.perf_counter() - t0) * 1000
            out.ms[hit.kind].append(ms)
            out.slowest.append((ms, time.monotonic() - out.started - ms / 1000, hit.kind))

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        out.started = time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        out.ended = time.monotonic()
    return out
