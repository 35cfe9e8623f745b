"""Typed, validated access to nested TOML keys; every error names the full key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(ValueError):
    """The config file is wrong; the message names the key."""


class TomlReader:
    """Typed access to nested TOML keys with errors that name the full key."""

    def __init__(self, raw: Mapping[str, Any], source: str, prefix: str = "") -> None:
        self.raw, self.source, self.prefix = raw, source, prefix

    def _get(self, dotted: str) -> Any:
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def _name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def _fail(self, key: str, want: str, got: Any) -> ConfigError:
        return ConfigError(f"{self.source}: {self._name(key)} must be {want} (got {got!r})")

    def str(self, key: str, default: str) -> str:
        """A string value."""
        v = self._get(key)
        if v is None:
            return default
        if not isinstance(v, str):
            raise self._fail(key, "a string", v)
        return v

    def url(self, key: str, default: str) -> str:
        """An http(s) URL."""
        v = self.str(key, default)
        if not v.startswith(("http://", "https://")):
            raise self._fail(key, "an http(s) URL", v)
        return v

    def bool(self, key: str, default: bool) -> bool:
        """true or false."""
        v = self._get(key)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self._fail(key, "true or false", v)
        return v

    def num(self, key: str, default: float, *, lo: float | None = None, hi: float | None = None) -> float:
        """A number within [lo, hi]."""
        v = self._get(key)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self._fail(key, "a number", v)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise self._fail(key, f"between {lo} and {hi}" if hi is not None else f">= {lo}", v)
        return v

    def str_list(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A list of strings, stripped, empties dropped."""
        v = self._get(key)
        if v is None:
            return tuple(default)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self._fail(key, "a list of strings", v)
        return tuple(x.strip() for x in v if x.strip())

    def list_of_tables(self, key: str) -> list[Mapping[str, Any]]:
        """An array of tables."""
        v = self._get(key)
        if v is None:
            return []
        if not isinstance(v, list) or not all(isinstance(x, Mapping) for x in v):
            raise self._fail(key, "an array of tables ([[teams]])", v)
        return v

    def tz(self, key: str, default: str) -> str:
        """An IANA timezone name."""
        v = self.str(key, default)
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise self._fail(key, "an IANA timezone like 'Europe/Berlin'", v) from None
        return v

    def hhmm(self, key: str, default: str) -> str:
        """A time of day, HH:MM."""
        v = self.str(key, default)
        hh, _, mm = v.partition(":")
        if not (hh.isdigit() and mm.isdigit() and 0 <= int(hh) < 24 and 0 <= int(mm) < 60 and len(mm) == 2):
            raise self._fail(key, "a time like '09:00'", v)
        return v

    def weekday(self, key: str, default: str) -> str:
        """A day name (first three letters)."""
        v = self.str(key, default).lower()[:3]
        if v not in WEEKDAYS:
            raise self._fail(key, "a day name like 'fri'", v)
        return v
