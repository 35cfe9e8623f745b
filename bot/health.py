"""Health and metrics over HTTP, in the bot's own asyncio loop: GET /healthz and GET /metrics.

One notion of health for every mode: named checks (the database answers, the scheduler runs, each
platform is connected), run on each request. /healthz answers 200 with a JSON report when all pass and
the bot is up, else 503; Slack's HTTP mode serves the same handler on its own port.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot import metrics

log = logging.getLogger("paperbot.health")

Check = Callable[[], Awaitable[bool] | bool]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Health:
    """Named checks and the bot's phase (starting, running, stopping), reported by /healthz."""

    def __init__(self, *, check_timeout_s: float = 5.0) -> None:
        self.checks: dict[str, Check] = {}
        self.phase = "starting"
        self.check_timeout_s = check_timeout_s
        self._started = time.monotonic()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def add(self, name: str, check: Check) -> None:
        """Register a check: a (possibly async) callable that returns True when that part is healthy."""
        self.checks[name] = check

    async def report(self) -> dict[str, Any]:
        """Run every check; the report says which failed and why."""
        results = await asyncio.gather(*(self._run(c) for c in self.checks.values()))
        checks = {}
        for name, (ok, detail) in zip(self.checks, results, strict=True):
            metrics.set_health(name, ok)
            checks[name] = {"ok": ok, **({"detail": detail} if detail else {})}
        healthy = self.phase == "running" and all(ok for ok, _ in results)
        return {"status": "ok" if healthy else ("unhealthy" if self.phase == "running" else self.phase),
                "pid": os.getpid(), "uptime_s": round(time.monotonic() - self._started, 1), "checks": checks}

    async def _run(self, check: Check) -> tuple[bool, str]:
        try:
            result = check()
            if not isinstance(result, bool):
                result = await asyncio.wait_for(result, timeout=self.check_timeout_s)
            return bool(result), ""
        except TimeoutError:
            return False, f"no answer within {self.check_timeout_s:g}s"
        except Exception as e:  # a failing check is a finding, not a crash of the endpoint
            return False, f"{type(e).__name__}: {e}"[:200]

    async def healthz(self, request: web.Request) -> web.Response:
        """GET /healthz: the report as JSON, 200 when healthy, else 503."""
        report = await self.report()
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        """GET /metrics: Prometheus text format (the health gauges refreshed first)."""
        await self.report()
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    def routes(self, *, with_metrics: bool = True) -> dict[str, Route]:
        """The GET routes to mount on a web server (Slack's HTTP mode mounts them on its own port)."""
        routes: dict[str, Route] = {"/healthz": self.healthz}
        if with_metrics:
            routes["/metrics"] = self.metrics
        return routes

    async def serve(self, host: str, port: int) -> None:
        """Listen on host:port (port 0: any free port, then in `self.port`)."""
        app = web.Application()
        for path, handler in self.routes().items():
            app.router.add_get(path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.port = int(self._runner.addresses[0][1]) if self._runner.addresses else port
        log.info("health and metrics on http://%s:%d/healthz and /metrics", host, self.port)

    async def close(self) -> None:
        """Stop listening; safe without serve()."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
