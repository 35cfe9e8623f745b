"""/papers import and `paperbot import`: a reading list's papers become the team's positive examples.

The store holds the two seed digests; arXiv is the fake server replaying recorded API answers (1605.08386
is a recorded single-id look-up, 0000.0000 a recorded empty answer)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from bot.__main__ import main
from bot.core.models import Upload
from bot.sources.arxiv import ArxivSource
from storage import examples
from storage import papers as paper_store
from tests.fakes.arxiv_server import ArxivServer, Reply, arxiv_server  # noqa: F401
from tests.handlers.seeding import TEAM, no_llm_env, reply, seed_store, write_config  # noqa: F401
from tests.support import make_config, make_deps

LISTS = Path(__file__).resolve().parents[1] / "fixtures" / "reading_lists"


def _deps(tmp_path: Path, server: ArxivServer, **team):
    source = ArxivSource(api_url=server.api_url, min_interval_s=0.0, max_retries=0, timeout_s=5)
    d = make_deps(make_config(tmp_path, team=team), source=source)
    seed_store(d.store)
    return d


def _upload(name: str) -> Upload:
    return Upload(name, (LISTS / name).read_bytes())


async def test_a_zotero_bibtex_file_becomes_the_teams_positive_examples(tmp_path: Path,
                                                                        arxiv_server: ArxivServer) -> None:  # noqa: F811
    deps = _deps(tmp_path, arxiv_server)
    try:
        msg = await reply(deps, "/papers import", upload=_upload("zotero.bib"))
        got = deps.store.sync(examples.team_examples, TEAM)
        fetched = deps.store.sync(paper_store.get_paper, "1605.08386")
        nature = deps.store.sync(paper_store.get_paper, "doi:10.1038/nature14539")
    finally:
        deps.store.close()
    assert got == {"2601.18401": 1, "2601.18089": 1, "1605.08386": 1, "doi:10.1038/nature14539": 1}
    assert fetched is not None and fetched.abstract  # arXiv's own metadata, not the file's bare title
    assert nature is not None and nature.abs_url == "https://doi.org/10.1038/nature14539" and nature.pdf_url == ""
    text = msg.fallback
    assert "Imported 4 of 6 entries of zotero.bib as the positive examples of foundations (4 new)" in text
    assert "1 arXiv paper fetched from arXiv" in text and "Skipped 1 without an arXiv id" in text
    assert "1 paper without an arXiv id stored from its title and abstract" in text
    assert "Unknown to arXiv and untitled in the file: 0000.0000." in text
    asked = [r.param("id_list") for r in arxiv_server.requests if r.path == "/api/query"]
    assert asked == ["1605.08386,0000.0000"]  # stored papers are not asked for; one request for the rest


async def test_importing_again_adds_nothing_new_and_ris_and_csv_work_alike(tmp_path: Path,
                                                                           arxiv_server: ArxivServer) -> None:  # noqa: F811
    deps = _deps(tmp_path, arxiv_server)
    try:
        first = await reply(deps, "/papers import", upload=_upload("zotero.ris"))
        again = await reply(deps, "/papers import", upload=_upload("zotero.csv"))
        got = deps.store.sync(examples.team_examples, TEAM)
    finally:
        deps.store.close()
    assert "Imported 2 of 3 entries of zotero.ris as the positive examples of foundations (2 new)" in first.fallback
    assert "(0 new)" in again.fallback and got == {"2601.18401": 1, "doi:10.1038/nature14539": 1}


async def test_when_arxiv_is_down_the_files_own_titles_are_used(tmp_path: Path,
                                                                arxiv_server: ArxivServer) -> None:  # noqa: F811
    arxiv_server.add("/api/query", Reply(503, "down"))
    deps = _deps(tmp_path, arxiv_server)
    try:
        msg = await reply(deps, "/papers import", upload=_upload("zotero.bib"))
        stored = deps.store.sync(paper_store.get_paper, "1605.08386")
    finally:
        deps.store.close()
    assert stored is not None and stored.title == "Heat-bath random walks with Markov bases"
    assert "arXiv did not answer" in msg.fallback and "Imported 4 of 6" in msg.fallback


async def test_without_a_file_or_with_a_bad_one_the_user_is_told_what_to_do(tmp_path: Path,
                                                                           arxiv_server: ArxivServer) -> None:  # noqa: F811
    deps = _deps(tmp_path, arxiv_server, editors=["slack:U1"])
    try:
        none = await reply(deps, "/papers import")
        bad = await reply(deps, "/papers import", upload=Upload("notes.txt", b"hello"))
        denied = await reply(deps, "/papers import", user="U2", upload=_upload("zotero.bib"))
        count = deps.store.sync(examples.count_examples, TEAM)
    finally:
        deps.store.close()
    assert "Slack slash commands cannot carry files" in none.fallback and "paperbot import FILE" in none.fallback
    assert "Could not read notes.txt" in bad.fallback
    assert "editors" in denied.fallback and count == 0


def test_paperbot_import_file(tmp_path: Path, arxiv_server: ArxivServer, no_llm_env: None) -> None:  # noqa: F811
    config = write_config(tmp_path, arxiv_api=arxiv_server.api_url)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--config", str(config), "import", str(LISTS / "zotero.bib")])
    assert code == 0 and "Imported 4 of 6 entries of zotero.bib" in out.getvalue()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["--config", str(config), "import", str(tmp_path / "missing.bib")]) == 1
    assert "cannot read" in err.getvalue()

