"""Files on the console and in `paperbot ask`: an export is written (and named) or printed."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from pybtex.database import parse_string

from bot.__main__ import main
from bot.platforms.console import console_loop
from handlers.service import BotService
from storage import examples
from tests.handlers.seeding import no_llm_env, seed_rows, seed_store, write_config  # noqa: F401
from tests.support import make_config, make_deps

LISTS = Path(__file__).resolve().parents[1] / "fixtures" / "reading_lists"
DAY_IDS = {r["arxiv_id"] for r in seed_rows() if r["digest_date"] == "2026-01-27"}


async def test_the_console_writes_the_export_next_to_it_and_names_it(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "foundations-2026-01-27.bib").write_text("% mine, keep it\n")
    deps = make_deps(make_config(tmp_path))
    seed_store(deps.store)
    out = io.StringIO()
    try:
        await console_loop(BotService(deps), inp=io.StringIO("/papers export day 2026-01-27\n"), out=out)
    finally:
        deps.store.close()
    assert "Wrote foundations-2026-01-27-1.bib (foundations · papers of 2026-01-27: 37 papers as BibTeX)" \
        in out.getvalue()
    assert (tmp_path / "foundations-2026-01-27.bib").read_text() == "% mine, keep it\n"  # never replaced
    bib = parse_string((tmp_path / "foundations-2026-01-27-1.bib").read_text(), "bibtex")
    assert {e.fields["eprint"] for e in bib.entries.values()} == DAY_IDS


def _ask(config: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--config", str(config), "ask", *argv])
    return code, out.getvalue(), err.getvalue()


def _stocked(tmp_path: Path) -> Path:
    config = write_config(tmp_path)
    deps = make_deps(make_config(tmp_path))
    seed_store(deps.store)
    deps.store.close()
    return config


def test_ask_out_dash_prints_only_the_file(tmp_path: Path, no_llm_env: None) -> None:  # noqa: F811
    code, out, err = _ask(_stocked(tmp_path), "/papers export day 2026-01-27 csv", "--out", "-")
    assert code == 0 and out.startswith("team,day,rank,arxiv_id,") and len(out.splitlines()) == 38
    assert "foundations-2026-01-27.csv" in err  # the reply goes to stderr


def test_ask_out_file_writes_there(tmp_path: Path, no_llm_env: None) -> None:  # noqa: F811
    target = tmp_path / "reading.bib"
    code, out, _ = _ask(_stocked(tmp_path), "/papers export day 2026-01-27 bibtex", "--out", str(target))
    assert code == 0 and f"Wrote {target}" in out
    assert len(parse_string(target.read_text(), "bibtex").entries) == len(DAY_IDS)


async def test_the_console_imports_a_path_typed_after_papers_import(tmp_path: Path) -> None:
    deps = make_deps(make_config(tmp_path))
    seed_store(deps.store)  # 2601.18401 is stored: nothing to ask arXiv
    out = io.StringIO()
    try:
        await console_loop(BotService(deps), inp=io.StringIO(f"/papers import {LISTS / 'zotero.ris'}\n"), out=out)
        got = deps.store.sync(examples.team_examples, "foundations")
    finally:
        deps.store.close()
    assert "Imported 2 of 3 entries of zotero.ris" in out.getvalue()
    assert got == {"2601.18401": 1, "doi:10.1038/nature14539": 1}
