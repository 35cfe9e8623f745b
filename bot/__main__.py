"""`paperbot …` command line: run, daily, weekly, ask, demo, doctor, backfill, backup, import, export."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date

from bot.config import Config, ConfigError, load_config
from bot.logging_setup import setup_logging
from bot.ports import UpstreamError

log = logging.getLogger("paperbot")


def _date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {s!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the README test)."""
    p = argparse.ArgumentParser(prog="paperbot", description="Daily arXiv digests for research teams.")
    p.add_argument("--config", help="config file (default: $PAPERBOT_CONFIG, ./config.toml, built-in defaults)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.add_argument("--log-format", choices=("text", "json"),
                   help="log lines as text or one JSON object per line (default: [ops] log_format)")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="start the scheduler and the configured platforms (console if none)")
    r.add_argument("--console", action="store_true", help="also read commands from this terminal")

    d = sub.add_parser("daily", help="fetch, score and post one day's digest")
    d.add_argument("--date", type=_date, help="announcement day (default: the latest feed)")
    d.add_argument("--team", help="team name (default: every team)")
    d.add_argument("--dry-run", action="store_true", help="score and print, post nothing")
    d.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    w = sub.add_parser("weekly", help="synthesise and post the weekly breakthroughs thread")
    w.add_argument("--week", help="ISO week YYYY-Www (default: the current week)")
    w.add_argument("--team", help="team name (default: every team)")
    w.add_argument("--dry-run", action="store_true", help="build and print, post nothing")
    w.add_argument("--force", action="store_true", help="re-synthesise even if the week's report is stored")
    w.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    a = sub.add_parser("ask", help='run one command as a user and print the reply: paperbot ask "/papers week"')
    a.add_argument("line", help='the command line, e.g. "/papers search quantization"')
    a.add_argument("--user", default="cli", help="user id to act as (default: cli)")
    a.add_argument("--team", help="team (default: the first team)")
    a.add_argument("--platform", default="console", help="platform the user is on (default: console)")
    a.add_argument("--out", help="where a reply's file goes (/papers export): a file or directory, or - to print "
                                 "it (default: the current directory, under its own name)")

    sub.add_parser("demo", help="run the whole pipeline offline on a bundled sample day and print the digest")
    sub.add_parser("doctor", help="check config, tokens and reachability of arXiv, the LLM, Slack, Discord")

    b = sub.add_parser("backfill", help="load papers from a listings file (JSONL, .gz ok) into the store")
    b.add_argument("file", help="JSONL with arxiv_id, title, authors, abstract, categories[, listing_dates]")

    k = sub.add_parser("backup", help="copy the live database to FILE (SQLite online backup; safe while running)")
    k.add_argument("file", help="where the copy goes (replaced if it exists)")

    i = sub.add_parser("import", help="make a reading list (BibTeX, RIS, Zotero CSV) the team's positive examples")
    i.add_argument("file", help="a .bib, .ris or Zotero .csv export")
    i.add_argument("--team", help="team name (default: the first team)")
    i.add_argument("--user", default="cli", help="recorded as who added the examples (default: cli)")

    e = sub.add_parser("export", help="export picks, papers, votes and criteria history")
    e.add_argument("--format", choices=("json", "csv", "bibtex"), default="json",
                   help="json: everything; csv: one row per pick; bibtex: one entry per picked paper")
    e.add_argument("--team", help="team name (default: every team)")
    e.add_argument("--out", help="file to write (default: standard output)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `paperbot` console script."""
    args = build_parser().parse_args(argv)
    setup_logging(verbose=args.verbose, fmt=args.log_format or "text")
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"paperbot: config error: {e}", file=sys.stderr)
        return 2
    if args.log_format is None and config.ops.log_format != "text":
        setup_logging(verbose=args.verbose, fmt=config.ops.log_format)
    try:
        return asyncio.run(_dispatch(args, config))
    except KeyboardInterrupt:
        return 130
    except ConfigError as e:  # raised late, e.g. a platform that needs a token or secret
        print(f"paperbot: config error: {e}", file=sys.stderr)
        return 2
    except UpstreamError as e:  # e.g. Slack rejected the token at start
        print(f"paperbot: {e.service} refused or did not answer: {e.detail}", file=sys.stderr)
        return 1


async def _dispatch(args: argparse.Namespace, config: Config) -> int:
    from bot import cli_commands as cc

    match args.cmd:
        case "run":
            from bot.app import run_bot

            await run_bot(config, console=True if args.console else None)
            return 0
        case "daily":
            return await cc.daily(config, day=args.date, team=args.team, dry_run=args.dry_run, fmt=args.format)
        case "weekly":
            return await cc.weekly(config, week=args.week, team=args.team, dry_run=args.dry_run, fmt=args.format,
                                   force=args.force)
        case "ask":
            return await cc.ask(config, args.line, user=args.user, team=args.team, platform=args.platform,
                                out=args.out)
        case "demo":
            return await cc.demo(config)
        case "doctor":
            return await cc.doctor(config)
        case "backfill":
            return await cc.backfill(config, args.file)
        case "backup":
            from bot import cli_ops

            return await cli_ops.backup(config, args.file)
        case "import":
            from bot import cli_ops

            return await cli_ops.import_file(config, args.file, team=args.team, user=args.user)
        case "export":
            from bot import cli_ops

            return cli_ops.export(config, fmt=args.format, team=args.team, out=args.out)
    return 2


if __name__ == "__main__":
    sys.exit(main())
