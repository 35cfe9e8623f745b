"""OpenAIChat: the LLM port over the official `openai` client (any OpenAI-compatible server)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import openai

from bot import metrics
from bot.ports import Completion, NotConfigured, UpstreamError

log = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
JsonMode = Literal["schema", "object", "none"]
_DOWNGRADE: dict[str, JsonMode] = {"schema": "object", "object": "none"}
_FORMAT_WORDS = ("response_format", "response format", "json_schema", "json_object", "structured output")


@dataclass(frozen=True, slots=True)
class OpenAICompletion(Completion):
    """A Completion that also says whether its token counts were estimated (server sent no usage)."""

    usage_estimated: bool = False


class ContextTooLong(UpstreamError):
    """The server refused the prompt as too long: a smaller batch may pass where a retry will not."""


def estimate_tokens(chars: int) -> int:
    """Tokens from characters when the server reports none (about four characters a token)."""
    return math.ceil(chars / 4)


def _retry_after(headers: Any) -> float | None:
    """Seconds the server asked us to wait (Retry-After or retry-after-ms), if it said."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            continue  # an HTTP date: rare from these servers, and the SDK has already waited
    return None


def _error_message(err: openai.APIStatusError) -> str:
    """The server's own error message (body.error.message), else the SDK's."""
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(err.message)


class OpenAIChat:
    """Chat completions with structured output where the server supports it, and honest costs."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str = "",
        base_url: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        price_prompt_per_m: float = 0.0,
        price_completion_per_m: float = 0.0,
        price_cached_per_m: float | None = None,
        json_mode: JsonMode = "schema",
        reasoning_effort: str | None = None,
        temperature: float | None = None,
    ) -> None:
        if json_mode not in ("schema", "object", "none"):
            raise ValueError(f"json_mode must be schema, object or none, not {json_mode!r}")
        self.model = model
        self.base_url = base_url or OPENAI_BASE_URL
        is_openai = self.base_url.rstrip("/") == OPENAI_BASE_URL
        if not api_key and is_openai:
            raise NotConfigured("OpenAI needs an API key (or set a base_url for a local server)")
        self.timeout_s = timeout_s
        self.price_prompt_per_m = price_prompt_per_m
        self.price_completion_per_m = price_completion_per_m
        self.price_cached_per_m = price_prompt_per_m if price_cached_per_m is None else price_cached_per_m
        self.json_mode: JsonMode = json_mode  # downgraded (and remembered) when the server rejects a format
        self.reasoning_effort = reasoning_effort
        self.temperature = temperature
        # OpenAI's newer models reject max_tokens; local servers (Ollama, llama.cpp) know only max_tokens.
        self._token_param = "max_completion_tokens" if is_openai else "max_tokens"
        self._token_param_swapped = False
        self._estimated_logged = False
        self._host = urlsplit(self.base_url).netloc or self.base_url
        # Local servers take no key, but the SDK insists on one; the placeholder goes nowhere else.
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "no-key",
            base_url=self.base_url,
            timeout=timeout_s,
            max_retries=max_retries,
        )
        self._secret = api_key

    def __repr__(self) -> str:
        return f"OpenAIChat(model={self.model!r}, base_url={self.base_url!r}, json_mode={self.json_mode!r})"

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    async def complete(
        self,
        *,
        system: str,
        user: str,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        purpose: str = "",
    ) -> Completion:
        """One chat completion; raises UpstreamError when the server fails after the SDK's retries."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        while True:
            mode = self.json_mode
            kwargs = self._request_options(json_schema, max_tokens, mode)
            try:
                response = await self._client.chat.completions.create(
                    model=self.model, messages=messages, **kwargs  # type: ignore[arg-type]
                )
            except (openai.BadRequestError, openai.UnprocessableEntityError) as err:
                if json_schema is not None and self._downgrade(err, mode):
                    continue
                if max_tokens is not None and self._swap_token_param(err):
                    continue
                raise self._upstream(err, purpose) from err
            except openai.OpenAIError as err:
                raise self._upstream(err, purpose) from err
            completion = self._completion(response, prompt_chars=len(system) + len(user))
            metrics.record_llm_call(purpose, ok=True, prompt_tokens=completion.prompt_tokens,
                                    completion_tokens=completion.completion_tokens,
                                    cached_tokens=completion.cached_tokens, cost_usd=self.cost(completion))
            return completion

    def cost(self, completion: Completion) -> float:
        """Price in USD: uncached prompt, cached prompt and completion tokens at their per-million prices."""
        cached = min(completion.cached_tokens, completion.prompt_tokens)
        return (
            (completion.prompt_tokens - cached) * self.price_prompt_per_m
            + cached * self.price_cached_per_m
            + completion.completion_tokens * self.price_completion_per_m
        ) / 1_000_000

    def _request_options(self, json_schema: dict[str, Any] | None, max_tokens: int | None, mode: str) -> dict:
        opts: dict[str, Any] = {}
        if json_schema is not None and mode == "schema":
            # Accept either the response_format.json_schema object or a bare JSON schema.
            spec = json_schema if "schema" in json_schema else {"name": "answer", "strict": True, "schema": json_schema}
            opts["response_format"] = {"type": "json_schema", "json_schema": spec}
        elif json_schema is not None and mode == "object":
            opts["response_format"] = {"type": "json_object"}
        if max_tokens is not None:
            opts[self._token_param] = max_tokens
        if self.reasoning_effort:
            opts["reasoning_effort"] = self.reasoning_effort
        if self.temperature is not None:
            opts["temperature"] = self.temperature
        return opts

    def _downgrade(self, err: openai.APIStatusError, mode: JsonMode) -> bool:
        """Step schema → object → none when the server rejects the response format; True to try again."""
        text = _error_message(err).lower()
        if mode not in _DOWNGRADE or not any(w in text for w in _FORMAT_WORDS):
            return False
        if self.json_mode == mode:  # a concurrent call may already have stepped down
            self.json_mode = _DOWNGRADE[mode]
            log.warning("%s rejected response_format %s; using %s from now on", self._host, mode, self.json_mode)
        return True

    def _swap_token_param(self, err: openai.APIStatusError) -> bool:
        """Use the other name for the output-token limit once, if the server rejected this one."""
        if self._token_param_swapped or self._token_param not in _error_message(err):
            return False
        self._token_param = "max_tokens" if self._token_param == "max_completion_tokens" else "max_completion_tokens"
        self._token_param_swapped = True
        return True

    def _upstream(self, err: openai.OpenAIError, purpose: str) -> UpstreamError:
        """Map an SDK error to UpstreamError with a short reason a user can act on (never the key)."""
        cls = UpstreamError
        retry_after = None
        if isinstance(err, openai.APITimeoutError):
            reason = f"timed out after {self.timeout_s:g}s"
        elif isinstance(err, openai.APIConnectionError):
            reason = f"cannot connect to {self._host}"
        elif isinstance(err, openai.APIStatusError):
            status, message = err.status_code, _error_message(err)
            retry_after = _retry_after(err.response.headers)
            if isinstance(err, openai.RateLimitError):
                reason = "quota exceeded (429)" if "quota" in message.lower() else "rate limited (429)"
            elif isinstance(err, openai.AuthenticationError):
                reason = "authentication failed (401): check the API key"
            elif status == 403:
                reason = "permission denied (403)"
            elif status == 404:
                reason = f"model {self.model!r} or endpoint not found (404)"
            elif status >= 500:
                reason = f"server error ({status})"
            else:
                lowered = message.lower()
                if "context" in lowered or "too long" in lowered or "too many tokens" in lowered:
                    cls = ContextTooLong
                reason = f"request rejected ({status}): {message[:160]}"
        else:
            reason = f"unexpected response ({type(err).__name__})"
        if self._secret:
            reason = reason.replace(self._secret, "***")
        log.warning("OpenAI call %s failed: %s", purpose or "-", reason)
        metrics.record_llm_call(purpose, ok=False)
        return cls("OpenAI", reason, retry_after=retry_after)

    def _completion(self, response: Any, *, prompt_chars: int) -> OpenAICompletion:
        """Read text, finish reason and usage; usage is optional (local servers), so estimate if absent."""
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise UpstreamError("OpenAI", "answer without choices")
        choice = choices[0]
        text = getattr(choice.message, "content", None) or ""
        usage = getattr(response, "usage", None)
        prompt_tokens = getattr(usage, "prompt_tokens", None)
        completion_tokens = getattr(usage, "completion_tokens", None)
        details = getattr(usage, "prompt_tokens_details", None)
        cached = getattr(details, "cached_tokens", None) or getattr(usage, "prompt_cache_hit_tokens", None) or 0
        estimated = not prompt_tokens and not completion_tokens
        if estimated:
            prompt_tokens, completion_tokens = estimate_tokens(prompt_chars), estimate_tokens(len(text))
            if not self._estimated_logged:
                log.info("%s reports no token usage: estimating tokens as characters / 4", self._host)
                self._estimated_logged = True
        return OpenAICompletion(
            text=text,
            model=getattr(response, "model", None) or self.model,
            prompt_tokens=int(prompt_tokens or 0),
            completion_tokens=int(completion_tokens or 0),
            cached_tokens=int(cached),
            finish_reason=choice.finish_reason or "stop",
            prompt_chars=prompt_chars,
            completion_chars=len(text),
            usage_estimated=estimated,
        )
