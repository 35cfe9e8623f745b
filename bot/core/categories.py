"""The arXiv category taxonomy (https://arxiv.org/category_taxonomy), for validating criteria."""

from __future__ import annotations

_GROUPS: dict[str, str] = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS "
    "PF PL RO SC SD SE SI SY",
    "econ": "EM GN TH",
    "eess": "AS IV SP SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn "
    "gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
}
_STANDALONE = {"gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th", "quant-ph",
               "astro-ph", "cond-mat"}

KNOWN_CATEGORIES: frozenset[str] = frozenset(
    {f"{g}.{s}" for g, subs in _GROUPS.items() for s in subs.split()} | _STANDALONE
)


def is_known_category(name: str) -> bool:
    """True for a real arXiv category such as 'cs.LG' or 'quant-ph' (case as arXiv writes it)."""
    return name in KNOWN_CATEGORIES


def suggest_category(name: str) -> str | None:
    """The known category that matches ignoring case, to suggest in error messages."""
    low = name.lower()
    return next((c for c in sorted(KNOWN_CATEGORIES) if c.lower() == low), None)
