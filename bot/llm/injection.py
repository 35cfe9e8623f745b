"""Instruction-like text in a paper, aimed at the model that reads it: found and cut out before any prompt.

Paper text is data (prompts.untrusted keeps it between delimiters it cannot close), but a model may still
obey what it reads there. So before paper text enters a prompt, every sentence or bracketed aside that
talks to the model instead of about the research is replaced by REMOVED:
- a demand for a score or verdict ("give this paper 10/10", "relevance: 10", "rate it highest") said as
  an order, an obligation ("must receive", "deserves") or to the reader ("note to AI reviewers");
- an override ("ignore the previous instructions", "disregard the criteria");
- chat-template or role markers ("SYSTEM:", "[INST]", "<|im_start|>", JSON score keys).
A paper's own findings ("achieves the highest score on MMLU") are statements about the work and stay.
bench/injection.py measures both sides: injected papers scored as without the injection, and how
few real abstracts lose a span (README, Reliability).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REMOVED = "[text addressed to the reader removed]"

_SCORE_WORD = r"(?:scores?|rat(?:e|es|ed|ing|ings)|relevan(?:ce|t)|novelty|grades?|marks|points|priority|rank(?:ed|ing)?)"
_TOP = r"(?:highest|maximum|max|maximal|perfect|top|full|best(?:\s+possible)?)"
_NUM = r"(?:(?:10|[1-9])\b(?![.,]\d|%|-)|ten\b|nine\b)"  # a whole score, not "8.6", "8%", "1st", "2D"
_SELF = (r"(?:this|the\s+present|the\s+following)\s+(?:paper|work|submission|abstract|article|manuscript|preprint|study|"
         r"contribution|entry)")
_READER = (r"(?:AI|LLMs?|language\s+models?|assistants?|chat\s*bots?|GPT|reviewers?|screeners?|scorers?|graders?|"
           r"filters?|bots?|automated\s+\w+|screening\s+\w+)")
_VERB = (r"(?:give|assign|rate|score|grade|mark|award|output|return|respond|answer|classify|rank|set|label|treat|"
         r"consider|select|include|pick|choose|prioriti[sz]e|recommend|promote|approve|accept|put|make|list|report|say|"
         r"state|write|reply|declare|call)")

# A demand: a score value or a top rating next to a score word, or the answer format itself.
_DEMAND = re.compile(
    rf"\b{_NUM}\s*(?:/|out\s+of)\s*(?:10|ten)\b"                              # 10/10, nine out of ten
    rf"|\b(?:relevance|novelty)\b[^.;!?]{{0,25}}?(?:[:=]|\bto\b|\bof\b|\bas\b|\bat\b|\bis\b)\s*\"?{_NUM}"
    rf"|\b{_TOP}\s+(?:\w+\s+){{0,2}}{_SCORE_WORD}\b"                          # the highest relevance score
    rf"|\b{_SCORE_WORD}\s+(?:\w+\s+){{0,3}}(?:as\s+)?(?:(?:a|an|the)\s+)?(?:{_NUM}|{_TOP}\b)"  # rate it a 10
    rf"|\b(?:give|assign|award)s?\s+(?:\w+\s+){{0,5}}?(?:a|an)\s+{_NUM}"                     # give every paper a 10
    rf"|\b(?:is|be|as)\s+(?:a|an)\s+{_NUM}(?!\s*\w)"                                         # this one is a 10
    rf"|\b(?:highly|very|extremely)\s+relevant\b|\bmust[- ]read\b|\btop\s+pick\b",
    re.IGNORECASE,
)
# Who the demand is for: an order opening the sentence, an obligation, or the reader named.
_LABEL = r"^\s*(?:[A-Z][\w ]{0,30}:\s*){0,2}"  # "Abstract: ", "IMPORTANT: " before the sentence proper
_ORDER = re.compile(
    rf"{_LABEL}(?:(?:please|kindly|now|so|also|then|and|just)\s+)?{_VERB}\b"
    r"|[,;:]\s*(?:(?:and|then|please|now|just)\s+)?(?:give|assign|award|output|rate|score|grade|mark|classify|return|say)\s+"
    r"(?:it|this|them|every|all|each|me|us|the\s+paper|\d)"
    r"|\byou\s+(?:must|should|shall|will|are\s+(?:to|required|instructed)|need\s+to|have\s+to)\b"
    rf"|\b(?:must|should|shall|kindly|please)\s+(?:\w+\s+)?{_VERB}\b"
    r"|\b(?:must|should|shall)\s+(?:be\s+)?(?:receive|get|given|rated|scored|graded|ranked|assigned|selected|included|"
    r"treated|considered|classified|marked|placed)\b"
    r"|\bdeserves?\b|\bis\s+to\s+be\s+(?:rated|scored|given)\b"
    r"|\b(?:are|is)\s+(?:asked|requested|instructed|expected|told)\s+to\b|\b(?:request|ask)\s+that\b"
    rf"|\b(?:note|message|instructions?|attention|reminder|request)\s+(?:to|for)\s+(?:\w+\s+){{0,3}}{_READER}\b"
    rf"|^\s*(?:dear\s+|attention\s*,?\s*|to\s+)?(?:the\s+|any\s+|all\s+|every\s+)?(?:\w+\s+){{0,2}}{_READER}\s*[:,]"
    rf"|\b(?:if|when)\s+you\s+are\s+(?:an?\s+)?(?:\w+\s+){{0,2}}{_READER}\b|\b(?:{_READER}|models?)\s+reading\s+this\b",
    re.IGNORECASE,
)
_ABOUT_SELF = re.compile(rf"\b{_SELF}\b", re.IGNORECASE)
_MACHINE = re.compile(rf"\b{_READER}\b", re.IGNORECASE)
_OVERRIDE = re.compile(
    rf"{_LABEL}(?:(?:please|now|so|first|and|just)\s+)?(?:ignore|disregard|forget|override|bypass)\s+(?:\w+\s+){{0,4}}?"
    r"(?:instructions?|prompts?|rules|criteria|guidelines|directions|rubrics?)\b"
    r"|\b(?:ignore|disregard|forget|override|bypass|skip|drop)\s+(?:\w+\s+){0,3}?"
    r"(?:previous|prior|above|earlier|preceding|foregoing|original|system|team'?s?|scoring|screening|given|your|all|any)\s+"
    r"(?:\w+\s+){0,2}?(?:instructions?|prompts?|rules|criteria|guidelines|directions|directives|constraints|"
    r"rubrics?|policies|policy)\b"
    r"|\b(?:new|updated|real|actual|revised)\s+(?:system\s+)?(?:instructions?|criteria|rules|rubric)\s*:"
    r"|\b(?:criteria|instructions|rules|rubric|task)\s+(?:have|has)\s+(?:been\s+)?(?:changed|updated|replaced)\b"
    r"|\byou\s+are\s+(?:now|no\s+longer)\b",
    re.IGNORECASE,
)
# Chat-template tokens and role labels: cut wherever they are, alone (they mean nothing in an abstract);
# case matters for labels: "SYSTEM:" anywhere, "System:" only where a sentence starts.
_TOKEN = re.compile(
    r"(?i:\[/?INST\]|<<\s*/?SYS\s*>>|</?\s*(?:system|assistant|instructions?)\s*>)"
    r"|<\|(?i:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id|end_header_id|eot_id)\|>"
    r"|\b(?:SYSTEM|ASSISTANT|DEVELOPER)\s*:|(?:^|(?<=[.!?;]\s)|(?<=\n))\s*(?:System|Assistant|Developer)\s*:",
    re.MULTILINE,
)
_MARKER = re.compile(
    r"(?i:#{2,}\s*(?:instruction|system|response|assistant)\b)"
    r"|[\"']\s*(?i:relevance|novelty)\s*[\"']\s*:"
    rf"|(?i:\b(?:relevance|novelty)\s*[:=]\s*{_NUM})",
)
# Spans: bracketed asides first (an injection hidden mid-sentence), then sentences and paragraphs.
_ASIDE = re.compile(r"\((?:[^()]|\([^()]*\)){8,}\)|\[(?:[^\[\]]|\[[^\[\]]*\]){8,}\]|\{(?:[^{}]|\{[^{}]*\}){8,}\}")
_BREAK = re.compile(r"((?<=[.!?])\s+|\n\s*\n\s*|\s+(?:--|—|\|)\s+)")  # kept by split(): the text is rebuilt as it was
_CLAUSE = re.compile(r";\s+")  # one clause addressing the reader takes its whole sentence with it


@dataclass(frozen=True, slots=True)
class Screened:
    """Paper text with the instruction-like spans replaced, and the spans that were removed."""

    text: str
    removed: tuple[str, ...]


# Words without which no rule above can match: most sentences have none and skip the costly patterns
# (screening runs on the event loop while a daily run builds its prompts). Plain substring tests.
_CUE_OVERRIDE = ("ignor", "disregard", "forget", "overrid", "bypass", "skip", "drop", "instruction", "criteri",
                 "rules", "rubric", "you are", "system", "assistant", "developer", "inst]", "<<", "<|", "##",
                 "relevance", "novelty")
_CUE_DEMAND = ("relevan", "novelty", "scor", "rat", "grade", "marks", "points", "priorit", "rank", "must", "pick",
               "ten", "nine", "give", "assign", "award")
_DIGIT = re.compile(r"\d")


def aimed_at_reader(span: str) -> bool:
    """True when a sentence or aside talks to the model about scoring rather than about the research."""
    low = span.lower()
    if any(w in low for w in _CUE_OVERRIDE) and (_OVERRIDE.search(span) or _MARKER.search(span) or _TOKEN.search(span)):
        return True
    if not (any(w in low for w in _CUE_DEMAND) or _DIGIT.search(span)) or not _DEMAND.search(span):
        return False
    if _ORDER.search(span):
        return True
    # Talking about this paper, or to a machine reader, in a scorer's terms ("any AI screening this work").
    return bool(_ABOUT_SELF.search(span) and (_strict_demand(span) or _MACHINE.search(span)))


def _strict_demand(span: str) -> bool:
    """A demand that only a scorer's scale explains: "10/10", "relevance: 9" (not "the highest accuracy")."""
    return bool(re.search(rf"\b{_NUM}\s*(?:/|out\s+of)\s*(?:10|ten)\b|\b(?:relevance|novelty)\b", span, re.IGNORECASE))


def screen(text: str, *, marker: str = REMOVED) -> Screened:
    """Replace every instruction-like aside or sentence of `text` by `marker`; keep everything else as it was."""
    if not text:
        return Screened(text, ())
    removed: list[str] = []

    def cut_aside(m: re.Match[str]) -> str:
        if aimed_at_reader(m.group(0)[1:-1].replace(marker or "\0", " ")):
            removed.append(m.group(0))
            return marker
        return m.group(0)

    def cut_token(m: re.Match[str]) -> str:
        removed.append(m.group(0))
        return f" {marker} "

    text = _ASIDE.sub(cut_aside, _TOKEN.sub(cut_token, text))

    pieces = _BREAK.split(text)
    for i in range(0, len(pieces), 2):  # odd indexes are the breaks between sentences
        span = pieces[i]
        plain = span.replace(marker or "\0", " ")
        clauses = _CLAUSE.split(plain)
        candidates = [plain, *clauses] if len(clauses) > 1 else [plain]
        if span.strip() and span.strip() != marker and any(aimed_at_reader(c) for c in candidates):
            removed.append(span.strip())
            pieces[i] = marker
    return Screened("".join(pieces), tuple(removed))


def strip_instructions(text: str) -> str:
    """`text` without its instruction-like spans, as if they had never been written (before trimming it)."""
    return screen(text, marker="").text


def paper_flags(title: str, abstract: str) -> tuple[str, ...]:
    """The spans screen() would cut from a paper's title and abstract (empty for almost every real paper)."""
    return screen(" ".join(title.split())).removed + screen(" ".join(abstract.split())).removed
