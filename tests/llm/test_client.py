"""OpenAIChat: the real openai client against the local fake server built from recorded responses."""

from __future__ import annotations

import logging
import time

import pytest

from bot.llm.client import ContextTooLong, OpenAIChat, OpenAICompletion
from bot.ports import Completion, NotConfigured, UpstreamError
from tests.fakes.openai_server import TRUNCATED_ENVELOPE, FakeOpenAI, HTTPError, Reply, recorded

SCHEMA = {"name": "answer", "strict": True,
          "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
                     "additionalProperties": False}}


async def test_completion_reads_text_usage_and_finish_reason(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push('{"ok": true}')
    chat = make_chat()
    c = await chat.complete(system="You are terse.", user="Say ok in JSON.", purpose="test")
    usage = recorded("test_parse_pydantic_model")["usage"]
    assert isinstance(c, Completion)
    assert c.text == '{"ok": true}'
    assert c.model == "gpt-4o-2024-08-06"
    assert (c.prompt_tokens, c.completion_tokens, c.cached_tokens) == (usage["prompt_tokens"],
                                                                       usage["completion_tokens"], 0)
    assert c.finish_reason == "stop"
    assert (c.prompt_chars, c.completion_chars) == (len("You are terse.") + len("Say ok in JSON."), 12)
    req = openai_server.requests[0]
    assert req["model"] == "gpt-4o-mini"
    assert req["messages"] == [{"role": "system", "content": "You are terse."},
                               {"role": "user", "content": "Say ok in JSON."}]
    assert "response_format" not in req  # no schema asked, no format sent
    assert openai_server.headers[0]["authorization"] == "Bearer sk-test-SECRET-123"


async def test_schema_goes_out_as_structured_output(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push('{"ok": true}')
    await make_chat().complete(system="s", user="u", json_schema=SCHEMA, max_tokens=50)
    req = openai_server.requests[0]
    assert req["response_format"] == {"type": "json_schema", "json_schema": SCHEMA}
    assert req["max_tokens"] == 50  # a custom base_url is a local server: the classic parameter name


async def test_a_bare_schema_is_wrapped(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push('{"ok": true}')
    await make_chat().complete(system="s", user="u", json_schema=SCHEMA["schema"])
    spec = openai_server.requests[0]["response_format"]["json_schema"]
    assert spec["schema"] == SCHEMA["schema"] and spec["strict"] is True and spec["name"]


async def test_rejected_json_schema_falls_back_to_json_object_and_remembers(
    openai_server: FakeOpenAI, make_chat
) -> None:
    openai_server.reject_formats = {"json_schema"}
    openai_server.answer = lambda req: '{"ok": true}'
    chat = make_chat()
    c = await chat.complete(system="s", user="u", json_schema=SCHEMA)
    assert c.text == '{"ok": true}'
    assert [r.get("response_format", {}).get("type") for r in openai_server.requests] == ["json_schema", "json_object"]
    assert chat.json_mode == "object"
    await chat.complete(system="s", user="u", json_schema=SCHEMA)  # no second rejection
    assert openai_server.requests[-1]["response_format"] == {"type": "json_object"}
    assert len(openai_server.requests) == 3


async def test_then_to_no_format_at_all(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.reject_formats = {"json_schema", "json_object"}
    openai_server.answer = lambda req: '{"ok": true}'
    chat = make_chat()
    await chat.complete(system="s", user="u", json_schema=SCHEMA)
    assert [r.get("response_format", {}).get("type") for r in openai_server.requests] == [
        "json_schema", "json_object", None]
    assert chat.json_mode == "none"


async def test_other_400s_are_not_format_fallbacks(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(HTTPError(400, "Invalid value for 'model'", param="model"))
    chat = make_chat()
    with pytest.raises(UpstreamError, match=r"rejected \(400\): Invalid value"):
        await chat.complete(system="s", user="u", json_schema=SCHEMA)
    assert chat.json_mode == "schema" and len(openai_server.requests) == 1


async def test_context_length_error_is_distinct(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(HTTPError(400, "This model's maximum context length is 8192 tokens.",
                                 code="context_length_exceeded"))
    with pytest.raises(ContextTooLong):
        await make_chat().complete(system="s", user="u")


async def test_token_limit_parameter_name_is_swapped_once_when_rejected(
    openai_server: FakeOpenAI, make_chat
) -> None:
    openai_server.push(HTTPError(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                                      "Use 'max_completion_tokens' instead.", param="max_tokens"), "{}")
    chat = make_chat()
    await chat.complete(system="s", user="u", max_tokens=30)
    assert "max_tokens" in openai_server.requests[0]
    assert openai_server.requests[1]["max_completion_tokens"] == 30 and "max_tokens" not in openai_server.requests[1]


async def test_truncated_answer_reports_length(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(Reply(envelope=TRUNCATED_ENVELOPE))
    c = await make_chat().complete(system="s", user="u")
    assert (c.text, c.finish_reason, c.completion_tokens) == ('{"', "length", 1)


async def test_429_with_retry_after_then_ok(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(HTTPError.rate_limited(retry_after="1"), '{"ok": true}')
    started = time.monotonic()
    c = await make_chat(max_retries=2).complete(system="s", user="u")
    assert c.text == '{"ok": true}'
    assert len(openai_server.requests) == 2
    assert time.monotonic() - started >= 0.9  # the SDK waited as the server asked


async def test_429_after_retries_is_upstream_with_retry_after(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.answer = lambda req: HTTPError.rate_limited(retry_after="0.05")
    with pytest.raises(UpstreamError) as info:
        await make_chat(max_retries=1).complete(system="s", user="u")
    assert info.value.service == "OpenAI" and "rate limited (429)" in info.value.detail
    assert info.value.retry_after == pytest.approx(0.05)
    assert len(openai_server.requests) == 2


async def test_500s_exhaust_retries(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.answer = lambda req: HTTPError.server_error(500)
    with pytest.raises(UpstreamError, match=r"OpenAI: server error \(500\)"):
        await make_chat(max_retries=1).complete(system="s", user="u")
    assert len(openai_server.requests) == 2


async def test_bad_key_never_shows_the_key(openai_server: FakeOpenAI, make_chat, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    openai_server.push(HTTPError(401, "Incorrect API key provided: sk-test-SECRET-123.", code="invalid_api_key"))
    chat = make_chat()
    with pytest.raises(UpstreamError, match="authentication failed") as info:
        await chat.complete(system="s", user="u")
    assert "SECRET" not in str(info.value) and "SECRET" not in caplog.text and "SECRET" not in repr(chat)


async def test_unreachable_server(make_chat) -> None:
    chat = make_chat(base_url="http://127.0.0.1:9/v1")
    with pytest.raises(UpstreamError, match="cannot connect to 127.0.0.1:9"):
        await chat.complete(system="s", user="u")


async def test_timeout(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.push(Reply("{}", delay=1.0))
    with pytest.raises(UpstreamError, match="timed out after 0.2s"):
        await make_chat(timeout_s=0.2).complete(system="s", user="u")


async def test_missing_usage_is_estimated_from_characters(openai_server: FakeOpenAI, make_chat) -> None:
    openai_server.omit_usage = True
    openai_server.push("x" * 41)
    c = await make_chat().complete(system="s" * 100, user="u" * 300)
    assert isinstance(c, OpenAICompletion) and c.usage_estimated
    assert (c.prompt_tokens, c.completion_tokens, c.cached_tokens) == (100, 11, 0)


async def test_cached_tokens_are_read_and_priced(openai_server: FakeOpenAI, make_chat) -> None:
    usage = {"prompt_tokens": 2000, "completion_tokens": 300, "total_tokens": 2300,
             "prompt_tokens_details": {"cached_tokens": 1024}}
    openai_server.push(Reply("{}", usage=usage))
    chat = make_chat(price_prompt_per_m=1.25, price_completion_per_m=10.0, price_cached_per_m=0.125)
    c = await chat.complete(system="s", user="u")
    assert (c.prompt_tokens, c.cached_tokens, c.completion_tokens) == (2000, 1024, 300)
    assert not c.usage_estimated
    # (2000-1024)*1.25 + 1024*0.125 + 300*10, per million
    assert chat.cost(c) == pytest.approx((976 * 1.25 + 1024 * 0.125 + 300 * 10.0) / 1e6)


def test_cost_arithmetic() -> None:
    chat = OpenAIChat(model="m", api_key="k", price_prompt_per_m=2.0, price_completion_per_m=8.0)
    c = Completion(text="", model="m", prompt_tokens=1_000_000, completion_tokens=500_000, cached_tokens=0)
    assert chat.cost(c) == pytest.approx(2.0 + 4.0)
    # Without a cached price, cached tokens cost the prompt price.
    assert chat.cost(Completion("", "m", 1_000_000, 0, cached_tokens=400_000)) == pytest.approx(2.0)
    assert OpenAIChat(model="m", api_key="k").cost(c) == 0.0


def test_openai_without_a_key_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        OpenAIChat(model="gpt-4o-mini", api_key="")
    assert OpenAIChat(model="llama3", base_url="http://localhost:11434/v1").base_url.endswith("/v1")


def test_json_mode_is_checked() -> None:
    with pytest.raises(ValueError):
        OpenAIChat(model="m", api_key="k", json_mode="yaml")  # type: ignore[arg-type]
