"""Operating the store from the command line: `paperbot backup FILE`, `paperbot export`, `paperbot import FILE`."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config
from bot.core import export as fmt_export
from bot.core.models import Upload
from bot.core.reading_list import ReadingListError
from storage import export as export_store
from storage import maintenance
from storage.db import Store

FORMATS = ("json", "csv", "bibtex")


async def backup(config: Config, file: str) -> int:
    """`paperbot backup FILE`: a consistent copy of the live database (safe while the bot runs)."""
    try:
        # Off the loop: the copy of a large store takes seconds.
        result = await asyncio.to_thread(maintenance.backup, config.storage.path, file)
    except (maintenance.BackupError, OSError) as e:
        print(f"paperbot backup: {e}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n:,} {table}" for table, n in result.tables.items())
    print(f"backed up {config.storage.path} to {result.path} ({result.bytes:,} bytes; {counts})", file=sys.stderr)
    return 0


def render(data: export_store.ExportData, fmt: str, *, teams: list[str]) -> str:
    """The export in one of FORMATS."""
    if fmt == "bibtex":
        return fmt_export.to_bibtex(e.pick.paper for e in data.picks)
    if fmt == "csv":
        return fmt_export.to_csv(data.picks)
    return fmt_export.to_json(picks=data.picks, papers=data.papers, votes=data.votes,
                              criteria_history=data.criteria_history, teams=teams,
                              exported_at=datetime.now(UTC).isoformat(timespec="seconds"))


def export(config: Config, *, fmt: str, team: str | None, out: str | None) -> int:
    """`paperbot export`: picks, papers, votes and criteria history as JSON, CSV (picks) or BibTeX (papers)."""
    teams = [config.team(team).name] if team else [t.name for t in config.teams]
    if not Path(config.storage.path).is_file():
        print(f"paperbot export: no database at {config.storage.path}", file=sys.stderr)
        return 1
    store = Store.open(config.storage.path)
    try:
        data = store.sync(export_store.gather, teams)
    finally:
        store.close()
    text = render(data, fmt, teams=teams)
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as e:
            print(f"paperbot export: cannot write {out}: {e}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    n_papers = len({e.pick.paper.arxiv_id for e in data.picks})
    what = {"json": f"{len(data.picks)} picks, {len(data.papers)} papers, {len(data.votes)} votes and "
                    f"{len(data.criteria_history)} criteria versions",
            "csv": f"{len(data.picks)} picks", "bibtex": f"{n_papers} picked papers"}[fmt]
    print(f"exported {what} of {', '.join(teams)} as {fmt}{' to ' + out if out else ''}", file=sys.stderr)
    return 0


async def import_file(config: Config, file: str, *, team: str | None, user: str) -> int:
    """`paperbot import FILE`: a reading list's papers become the team's positive examples."""
    from bot.app import build_deps
    from handlers.importing import import_reading_list, report_lines

    path = Path(file)
    try:
        upload = Upload(path.name, await asyncio.to_thread(path.read_bytes))
    except OSError as e:
        print(f"paperbot import: cannot read {file}: {e}", file=sys.stderr)
        return 1
    name = config.team(team).name
    deps = build_deps(config)
    try:
        report = await import_reading_list(deps, name, upload, added_by=f"cli:{user}")
    except ReadingListError as e:
        print(f"paperbot import: {file}: {e}", file=sys.stderr)
        return 1
    finally:
        deps.store.close()
    print("\n".join(report_lines(report, team=name)))
    return 0
