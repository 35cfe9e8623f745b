"""arXiv's OAI-PMH ListRecords (metadataPrefix=arXiv) for the fake arXiv server, in the recorded answers' format.

    server.oai = FakeOai([OaiSpec(paper, datestamp=date(2026, 2, 6), created=date(2026, 2, 4))], page_size=2)

Answers GET /oai?verb=ListRecords&metadataPrefix=arXiv&set=cs&from=D&until=D with the records of that set
dated from..until, `page_size` per page, a resumptionToken for the next page (a token it did not issue is
a badResumptionToken error), and the noRecordsMatch error when nothing matches, as OAI-PMH 2.0 and the
recordings in tests/fixtures/arxiv_oai/ (paperhive/oai-pmh, GPL-3.0) show. `fail_days` answers a day's
requests with HTTP 500 (day -> how many times: arXiv down mid-backfill).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from bot.core.models import Paper
from bot.sources.oai import oai_set

OAI_TYPE = "text/xml; charset=utf-8"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/'
        'OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n<responseDate>2026-02-08T12:00:00Z'
        '</responseDate>\n')


def last_weekdays(n: int, *, before: date | None = None) -> list[date]:
    """The n weekdays (announcement datestamps) before `before` (default: today, UTC), newest first."""
    out, d = [], before or datetime.now(UTC).date()
    while len(out) < n:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            out.append(d)
    return out


@dataclass(frozen=True)
class OaiSpec:
    """One record: the paper, the day its metadata last changed, the dates of its first and latest version."""

    paper: Paper
    datestamp: date
    created: date
    updated: date | None = None

    @property
    def set_specs(self) -> tuple[str, ...]:
        """The sets of all its categories (cs, stat, physics:quant-ph…): a cross-list is in each, as recorded."""
        return tuple(dict.fromkeys(oai_set(c) for c in self.paper.categories or ("cs.LG",)))


def _author(name: str) -> str:
    first, _, last = name.rpartition(" ")
    fore = f"<forenames>{escape(first)}</forenames>" if first else ""
    return f"<author><keyname>{escape(last)}</keyname>{fore}</author>"


def render_record(r: OaiSpec) -> str:
    """One <record> shaped like the recorded ListRecords answer."""
    p = r.paper
    updated = f"<updated>{r.updated.isoformat()}</updated>" if r.updated else ""
    comments = f"<comments>{escape(p.arxiv_comment)}</comments>" if p.arxiv_comment else ""
    return f"""<record>
<header>
 <identifier>oai:arXiv.org:{p.arxiv_id}</identifier>
 <datestamp>{r.datestamp.isoformat()}</datestamp>
{"".join(f" <setSpec>{escape(x)}</setSpec>{chr(10)}" for x in r.set_specs)}</header>
<metadata>
 <arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">
 <id>{p.arxiv_id}</id><created>{r.created.isoformat()}</created>{updated}<authors>\
{"".join(_author(a) for a in p.authors)}</authors><title>{escape(p.title)}</title>\
<categories>{escape(" ".join(p.categories))}</categories>{comments}<abstract>  {escape(p.abstract)}
</abstract></arXiv>
</metadata>
</record>
"""


@dataclass
class FakeOai:
    """The ListRecords route of the fake arXiv server."""

    records: list[OaiSpec]
    page_size: int = 1000
    fail_days: dict[date, int] = field(default_factory=dict)
    _tokens: dict[str, tuple[list[OaiSpec], int, dict[str, str]]] = field(default_factory=dict)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(6_000_000))

    def answer(self, query: dict[str, list[str]]) -> tuple[int, str]:
        """(status, body) for one request."""
        q = {k: v[0] for k, v in query.items()}
        if q.get("verb") != "ListRecords":
            return 200, self._error("badVerb", "Illegal verb", q)
        if "resumptionToken" in q:
            if q["resumptionToken"] not in self._tokens:
                return 200, self._error("badResumptionToken", "Invalid or expired resumption token", q)
            matching, offset, request = self._tokens.pop(q["resumptionToken"])
        else:
            day = date.fromisoformat(q.get("from", "1990-01-01"))
            if self.fail_days.get(day, 0) > 0:
                self.fail_days[day] -= 1
                return 500, "<html><body><h1>500 Internal Server Error</h1></body></html>"
            until = date.fromisoformat(q.get("until", "2999-12-31"))
            matching = [r for r in self.records if day <= r.datestamp <= until
                        and (not q.get("set") or q["set"] in r.set_specs)]
            offset, request = 0, q
        if not matching:
            return 200, self._error("noRecordsMatch", "No records match", request)
        page = matching[offset : offset + self.page_size]
        rest = offset + len(page) < len(matching)
        token = ""
        if rest:
            name = f"{next(self._ids)}|{offset + len(page) + 1}"  # arXiv's tokens look like this
            self._tokens[name] = (matching, offset + len(page), request)
            token = (f'<resumptionToken cursor="{offset}" completeListSize="{len(matching)}">'
                     f"{escape(name)}</resumptionToken>\n")
        elif offset:
            token = f'<resumptionToken cursor="{offset}" completeListSize="{len(matching)}"></resumptionToken>\n'
        body = "".join(render_record(r) for r in page)
        return 200, f"{HEAD}{self._request(request)}<ListRecords>\n{body}{token}</ListRecords>\n</OAI-PMH>\n"

    def _request(self, q: dict[str, str]) -> str:
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in q.items() if k != "resumptionToken")
        return f"<request{attrs}>http://export.arxiv.org/oai2</request>\n"

    def _error(self, code: str, text: str, q: dict[str, str]) -> str:
        return f'{HEAD}{self._request(q)}<error code="{code}">{escape(text)}</error>\n</OAI-PMH>\n'
