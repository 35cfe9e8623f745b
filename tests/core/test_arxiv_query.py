"""What users type after /papers search --arxiv, as arXiv API search_query syntax (and what never gets through)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.arxiv_query import MAX_TERMS, QueryError, api_query


@pytest.mark.parametrize(("typed", "query"), [
    ("testing", "testing"),  # one word is sent as is: arXiv searches all fields (its recorded answer says all:testing)
    ('"mixture of experts" routing', '"mixture of experts" AND routing'),
    ("“curly quotes” from a phone", '"curly quotes" AND from AND a AND phone'),
    ('ti:transformer au:"Yoshua Bengio"', 'ti:transformer AND au:"Yoshua Bengio"'),
    ("au:del_maestro ti:checkerboard", "au:del_maestro AND ti:checkerboard"),  # arXiv's own manual example
    ("title:attention abstract:sparse author:Vaswani", "ti:attention AND abs:sparse AND au:Vaswani"),
    ('ti:"state space" ANDNOT abs:attention', 'ti:"state space" ANDNOT abs:attention'),
    ("cat:cs.lg quantization OR pruning", "cat:cs.LG AND quantization OR pruning"),  # category case fixed
    ("cat:quant-ph co:\"accepted at\"", 'cat:quant-ph AND co:"accepted at"'),
    ("GPT-4 O'Brien", "GPT-4 AND O'Brien"),
    ("and or not", "and AND or AND not"),  # only capitals are operators
    ("OR diffusion AND", "diffusion"),  # dangling operators join nothing
    ("Mamba: linear-time (selective) state-space", "Mamba AND linear-time AND selective AND state-space"),
    ("foo:bar", '"foo bar"'),  # not a field: the colon goes, the words stay together
    ("a/b", '"a b"'),
    ('ti:"unclosed phrase', 'ti:"unclosed phrase"'),
])
def test_words_become_arxiv_query_syntax(typed: str, query: str) -> None:
    assert api_query(typed) == query


@pytest.mark.parametrize(("typed", "message"), [
    ("", "nothing to search arXiv for"),
    ("((( *** )))", "nothing to search arXiv for"),
    ("AND OR ANDNOT", "nothing to search arXiv for"),
    ("ti: au:", "nothing to search arXiv for"),
    ("cat:cs.XX sparse", "'cs.XX' is not an arXiv category"),
    ("cat:machine-learning", "'machine-learning' is not an arXiv category"),
])
def test_nothing_searchable_is_a_query_error(typed: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        api_query(typed)


def test_long_queries_keep_the_first_terms() -> None:
    words = [f"w{i}" for i in range(MAX_TERMS + 5)]
    assert api_query(" ".join(words)) == " AND ".join(words[:MAX_TERMS])


TERM = re.compile(r'(?:(?:ti|au|abs|cat|co|jr|all):)?(?:"[\w.\' -]+"|[\w.\'-]+)')


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
       | st.lists(st.sampled_from(['ti:', 'au:"', '"', "(", ")", "AND", "OR", "ANDNOT", "cat:cs.LG", "*", ":",
                                    "\\", "word", "x-y", "“", "-", "\n", "cat:"]), max_size=12).map(" ".join))
def test_any_input_gives_a_well_formed_query_or_a_query_error(text: str) -> None:
    try:
        query = api_query(text)
    except QueryError:
        return
    tokens = re.findall(r'(?:\w+:)?"[^"]*"|\S+', query)
    assert " ".join(tokens) == query  # nothing but terms and operators, single spaces
    assert tokens[0] not in ("AND", "OR", "ANDNOT") and tokens[-1] not in ("AND", "OR", "ANDNOT")
    for i, token in enumerate(tokens):
        if i % 2:
            assert token in ("AND", "OR", "ANDNOT"), query
        else:
            assert TERM.fullmatch(token), (text, query, token)
    assert "(" not in query and ")" not in query and "*" not in query and "\\" not in query
