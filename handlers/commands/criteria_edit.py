"""/criteria add|remove|set|edit: validated changes, each saved as a new version with who and what."""

from __future__ import annotations

import re

from bot.core.categories import is_known_category, suggest_category
from bot.core.message import Bullets, Context, Form, Message, Paragraph, Span
from bot.core.models import Criteria, Request
from bot.core.views import criteria_diff
from handlers.arguments import Args, UserError
from handlers.commands.common import current_criteria, unquote
from handlers.commands.criteria import criteria
from handlers.deps import Deps
from handlers.permissions import EDITORS
from storage import criteria as criteria_store
from storage.criteria import CriteriaVersion

MAX_TOPICS_CHARS = 3000  # a Slack modal's text input holds at most 3000 characters
MAX_VALUE_CHARS = 200
# Singular and plural names users type -> (Criteria field, label in messages).
KINDS = {
    "topic": ("topics", "topic"), "topics": ("topics", "topic"),
    "keyword": ("keywords", "keyword"), "keywords": ("keywords", "keyword"),
    "exclude": ("exclude", "exclude"), "excludes": ("exclude", "exclude"),
    "author": ("authors", "author"), "authors": ("authors", "author"),
    "category": ("categories", "category"), "categories": ("categories", "category"),
}
SETTINGS = {
    "relevance": ("relevance_cutoff", "relevance cut-off", 1, 10),
    "novelty": ("novelty_cutoff", "novelty cut-off", 1, 10),
    "size": ("digest_size", "digest size", 1, 50),
}
_LIST_MARK = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")


def author_of(req: Request) -> str:
    """How a change's author is recorded: "<platform>:<user id>"."""
    return f"{req.platform}:{req.user}"


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _topic_lines(topics: str) -> list[str]:
    return [_LIST_MARK.sub("", line).strip() for line in topics.splitlines()]


def _kind_and_value(args: Args, verb: str) -> tuple[str, str, str]:
    """(field, label, value) of `add|remove <kind> <value>`."""
    kinds = "topic|keyword|exclude|author|category"
    head, rest = (args.rest.split(maxsplit=1) + ["", ""])[:2]
    if head.lower() not in KINDS:
        raise UserError(f"What should I {verb}? Use /criteria {verb} {kinds} <value>.")
    field, label = KINDS[head.lower()]
    value = unquote(" ".join(rest.split()))
    if not value:
        raise UserError(f"The {label} to {verb} is empty: /criteria {verb} {label} <value>.")
    if len(value) > (MAX_TOPICS_CHARS if field == "topics" else MAX_VALUE_CHARS):
        raise UserError(f"That {label} is too long ({len(value)} characters).")
    return field, label, value


def _category(value: str) -> str:
    if is_known_category(value):
        return value
    fixed = suggest_category(value)
    if fixed:
        return fixed  # "cs.lg" can only mean cs.LG
    raise UserError(f"{value!r} is not an arXiv category. Use names such as cs.LG, stat.ML or quant-ph "
                    "(see https://arxiv.org/category_taxonomy).")


def added(c: Criteria, field: str, label: str, value: str) -> tuple[Criteria, str]:
    """Criteria with `value` added to `field`, and the change summary; duplicates are a UserError."""
    if field == "topics":
        if _norm(value) in {_norm(x) for x in _topic_lines(c.topics)}:
            raise UserError(f"The topics already have a line {value!r}.")
        topics = (c.topics.rstrip() + "\n" if c.topics.strip() else "") + f"- {value}"
        if len(topics) > MAX_TOPICS_CHARS:
            raise UserError(f"The topics would be longer than {MAX_TOPICS_CHARS} characters.")
        return c.evolve(topics=topics), f"add topic: {value}"
    if field == "categories":
        value = _category(value)
    current: tuple[str, ...] = getattr(c, field)
    if _norm(value) in {_norm(v) for v in current}:
        raise UserError(f"{value!r} is already a{'n' if label[0] in 'aeiou' else ''} {label}.")
    return c.evolve(**{field: (*current, value)}), f"add {label}: {value}"


def removed(c: Criteria, field: str, label: str, value: str) -> tuple[Criteria, str]:
    """Criteria without `value` in `field`, and the change summary; absent values are a UserError."""
    if field == "topics":
        lines = c.topics.splitlines()
        keep = [line for line in lines if _norm(_LIST_MARK.sub("", line)) != _norm(value)]
        if len(keep) == len(lines):
            raise UserError(f"No topic line reads {value!r}. Use /criteria edit to change the topics text freely.")
        new = c.evolve(topics="\n".join(keep).strip())
    else:
        current: tuple[str, ...] = getattr(c, field)
        keep_values = tuple(v for v in current if _norm(v) != _norm(value))
        if len(keep_values) == len(current):
            listed = ", ".join(current) or "none"
            raise UserError(f"{value!r} is not among the {field} (now: {listed}).")
        new = c.evolve(**{field: keep_values})
    if not new.topics.strip() and not new.keywords:
        raise UserError("The criteria need topics or keywords: this would leave neither.")
    return new, f"remove {label}: {value}"


def setting(c: Criteria, args: Args) -> tuple[Criteria, str]:
    """Criteria with one number changed (`set relevance|novelty|size <n>`)."""
    if len(args.words) != 2 or args.words[0].lower() not in SETTINGS:
        raise UserError("Use /criteria set relevance|novelty <1-10>, or /criteria set size <1-50>.")
    field, label, lo, hi = SETTINGS[args.words[0].lower()]
    raw = unquote(args.words[1])
    if not raw.lstrip("-").isdigit() or not lo <= int(raw) <= hi:
        raise UserError(f"The {label} must be a whole number from {lo} to {hi}, not {raw[:20]!r}.")
    old = getattr(c, field)
    return c.evolve(**{field: int(raw)}), f"set {label}: {old} → {int(raw)}"


def topics_edit(c: Criteria, text: str) -> tuple[Criteria, str]:
    """Criteria with the free-text topics replaced."""
    topics = text.strip()
    if len(topics) > MAX_TOPICS_CHARS:
        raise UserError(f"The topics are {len(topics)} characters long; the limit is {MAX_TOPICS_CHARS}.")
    if not topics and not c.keywords:
        raise UserError("The criteria need topics or keywords: the topics cannot be empty without keywords.")
    return c.evolve(topics=topics), "edit topics"


async def save_change(req: Request, deps: Deps, base: CriteriaVersion, new: Criteria, change: str) -> Message:
    """Record `new`, made from version `base`, as the next version (unless it changes nothing); say what changed.

    Callers are editors-only subcommands (EDITORS). A version saved since `base` was read is never silently
    overwritten: the user is told to look again instead.
    """
    diff = criteria_diff(base.criteria, new)
    if not diff:
        return Message.text(f"Nothing changed: the criteria of {base.team} already say that (version {base.version}).")
    try:
        saved = await deps.store.call(criteria_store.save_criteria, base.team, new, author=author_of(req),
                                      change=change, expected_version=base.version)
    except criteria_store.CriteriaChanged as e:
        raise UserError(f"The criteria of {base.team} changed while you were editing them (now version {e.current}): "
                        "nothing was saved. See /criteria show and try again.") from None
    blocks = (
        Paragraph.of(Span(f"Saved version {saved.version}", bold=True), f" of the criteria of {base.team}: {change}."),
        Bullets(tuple((Span(line, code=True),) for line in diff[:12])),
        Context(("See what it would have picked: /criteria preview · undo: /criteria revert "
                 f"{base.version}",)),
    )
    return Message(blocks=blocks, fallback=f"Saved version {saved.version}: {change}")


@criteria.sub("add", args="topic|keyword|exclude|author|category <value>", help="add one value", who=EDITORS, free_text=True)
async def add(req: Request, deps: Deps, args: Args) -> Message:
    """add topic|keyword|exclude|author|category <value>."""
    field, label, value = _kind_and_value(args, "add")
    cv = await current_criteria(deps, req)
    return await save_change(req, deps, cv, *added(cv.criteria, field, label, value))


@criteria.sub("remove", args="topic|keyword|exclude|author|category <value>", help="remove one value", who=EDITORS, free_text=True)
async def remove(req: Request, deps: Deps, args: Args) -> Message:
    """remove topic|keyword|exclude|author|category <value>."""
    field, label, value = _kind_and_value(args, "remove")
    cv = await current_criteria(deps, req)
    return await save_change(req, deps, cv, *removed(cv.criteria, field, label, value))


@criteria.sub("set", args="relevance|novelty|size <n>", who=EDITORS,
              help="set a cut-off (1-10) or the number of papers in the channel post (1-50)")
async def set_value(req: Request, deps: Deps, args: Args) -> Message:
    """set relevance|novelty <n> / set size <n>."""
    cv = await current_criteria(deps, req)
    return await save_change(req, deps, cv, *setting(cv.criteria, args))


@criteria.sub("edit", args="[topics text]", who=EDITORS, free_text=True,
              help="replace the free-text topics; without text, opens a form holding the current topics")
async def edit(req: Request, deps: Deps, args: Args) -> Message:
    """edit [text]: replace the topics; without text, a form (modal) holding the current topics."""
    cv = await current_criteria(deps, req)
    if not args.rest.strip():
        form = Form(title="Edit research topics", label="Topics the scorer reads (free text)",
                    initial=cv.criteria.topics, submit_command="/criteria edit")
        text = "Edit the team's topics in the form; submitting saves them as a new version."
        return Message(blocks=(Paragraph.of(text),), fallback=text, form=form)
    return await save_change(req, deps, cv, *topics_edit(cv.criteria, args.rest))
