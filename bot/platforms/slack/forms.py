"""Message.form -> a Slack modal (views.open), and a view_submission back to the command line it runs."""

from __future__ import annotations

import json
from typing import Any

from bot.core.message import Form
from bot.platforms.slack.blocks import plain_text

CALLBACK_ID = "paperbot-form"
BLOCK_ID = "paperbot-form-text"
ACTION_ID = "text"
INPUT_LIMIT = 3000  # plain_text_input max_length (and initial_value) in Slack
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
METADATA_LIMIT = 3000


def fits_modal(form: Form) -> bool:
    """Slack's text input holds 3000 characters; a longer text cannot be edited in a modal."""
    meta = json.dumps({"cmd": form.submit_command, "channel": "C" * 20})
    return len(form.initial) <= INPUT_LIMIT and len(meta) <= METADATA_LIMIT


def form_view(form: Form, *, channel: str) -> dict[str, Any]:
    """The modal: one multiline input pre-filled with the current text; metadata says what to run."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": ACTION_ID, "multiline": True,
                               "max_length": INPUT_LIMIT}
    if form.initial:
        element["initial_value"] = form.initial  # raw: the user edits exactly what will be submitted
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain_text(form.title or "paperbot", TITLE_LIMIT),
        "submit": plain_text("Save", TITLE_LIMIT),
        "close": plain_text("Cancel", TITLE_LIMIT),
        "private_metadata": json.dumps({"cmd": form.submit_command, "channel": channel}),
        "blocks": [{
            "type": "input",
            "block_id": BLOCK_ID,
            "label": plain_text(form.label or "Text", LABEL_LIMIT),
            "element": element,
        }],
    }


def submission(view: dict[str, Any]) -> tuple[str, str]:
    """(command line to run, channel to answer in) from a submitted paperbot modal."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = view.get("state", {}).get("values", {})
    text = (values.get(BLOCK_ID, {}).get(ACTION_ID, {}) or {}).get("value") or ""
    return f"{meta.get('cmd', '')} {text}".strip(), str(meta.get("channel", ""))
