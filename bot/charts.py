"""The weekly chart: picks per day and per criteria topic, vote totals annotated (needs the "chart" extra).

matplotlib is optional: without it `week_chart` returns None and the report simply has no image. The
object-oriented API (Figure + Agg canvas) is used, never pyplot, so no global state or GUI backend.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

log = logging.getLogger(__name__)

_BAR, _VOTE = "#4C72B0", "#C44E52"


def available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _day_label(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d:%a}\n{d:%b} {d.day}"


def week_chart(stats: Mapping[str, Any], *, title: str) -> bytes | None:
    """A small PNG (two panels: picks per day, picks per topic) or None without matplotlib or data."""
    per_day = stats.get("per_day") or []
    # Horizontal bars draw bottom-up: "Other" at the bottom, then the largest topic on top.
    topics = sorted(stats.get("topics") or [], key=lambda t: (t[0] != "Other", t[1]))
    if not any(n for _, n, _ in per_day):
        return None
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        log.info("matplotlib is not installed: the weekly report goes out without its chart")
        return None
    fig = Figure(figsize=(9, 3.4), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]}) if topics else [fig.subplots(1, 1)]
    _per_day(axes[0], per_day)
    if topics:
        _per_topic(axes[1], topics)
    for ax in axes:  # paper counts are whole numbers
        (ax.xaxis if ax is not axes[0] else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    votes = stats.get("votes_total") or 0
    fig.suptitle(title + (f"  ·  {votes:+d} team votes" if votes else ""), fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _per_day(ax: Any, per_day: list) -> None:
    labels = [_day_label(d) for d, _, _ in per_day]
    counts = [n for _, n, _ in per_day]
    bars = ax.bar(range(len(counts)), counts, color=_BAR)
    ax.set_xticks(range(len(counts)), labels, fontsize=8)
    ax.set_title("Picks per day", fontsize=10)
    ax.set_ylim(0, max(counts) * 1.25 + 1)
    for bar, (_, n, v) in zip(bars, per_day, strict=True):
        text = f"{n}" + (f"\n{v:+d} votes" if v else "")
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=7, color=_VOTE if v else "black", xytext=(0, 2), textcoords="offset points")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=8)


def _per_topic(ax: Any, topics: list) -> None:
    names = [n if len(n) <= 34 else n[:33] + "…" for n, _, _ in topics]
    counts = [n for _, n, _ in topics]
    bars = ax.barh(range(len(counts)), counts, color=_BAR)
    ax.set_yticks(range(len(counts)), names, fontsize=8)
    ax.set_title("Picks per criteria topic", fontsize=10)
    ax.set_xlim(0, max(counts) * 1.35 + 1)
    for bar, (_, n, v) in zip(bars, topics, strict=True):
        text = f"{n}" + (f"  ({v:+d} votes)" if v else "")
        ax.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), va="center", fontsize=7,
                    color=_VOTE if v else "black", xytext=(3, 0), textcoords="offset points")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)
