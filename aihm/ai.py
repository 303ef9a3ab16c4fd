"""The AI client: one interface, two implementations chosen from settings in one place.

- Anthropic (official SDK): structured output through a forced tool call whose input schema is
  the task's JSON schema; the output is validated before use; 429/529/network errors are retried
  by the SDK with backoff, then surface as `AIUnavailable` for the task queue to retry later.
- Offline: the task's own deterministic implementation, used when no API key is set; no network.

A task names a versioned prompt file (`<app>/prompts/<name>.v<N>.md`), a JSON schema and the
offline implementation. Untrusted text (CVs, answers) is passed delimited and declared as data.
Every result says which provider, model and prompt version produced it, and the tokens it used.
"""

import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import jsonschema
from django.apps import apps
from django.conf import settings

from aihm.tasks import ProviderUnavailable

logger = logging.getLogger("aihm.ai")

OFFLINE_PROVIDER = "offline"
OFFLINE_MODEL = "offline-heuristics-1"
ANTHROPIC_PROVIDER = "anthropic"


class AIUnavailable(ProviderUnavailable):
    """The provider is overloaded, rate-limiting or unreachable: worth retrying later."""


class AIFailed(Exception):
    """A permanent failure: the reason is readable by a recruiter and stored with the object."""


class AIOutputRejected(AIFailed):
    """The model answered outside the schema or the allowed ranges, even after a second try."""


@dataclass(frozen=True)
class AITask:
    name: str
    prompt: str  # "app_label/name.vN": the file <app>/prompts/name.vN.md
    schema: dict
    offline: Callable[[dict, dict], dict]  # (inputs, untrusted) -> output matching the schema
    check: Callable[[dict, dict, dict], None] | None = None  # (output, inputs, untrusted); raises ValueError
    # (output, inputs, untrusted) -> output: after the second rejected answer, what can be kept of
    # it (the parts that failed the check marked as such); None: the task fails as a whole.
    repair: Callable[[dict, dict, dict], dict] | None = None
    max_tokens: int = 2048

    @property
    def prompt_version(self):
        return self.prompt.split("/", 1)[1]


@dataclass(frozen=True)
class AIResult:
    data: dict
    provider: str
    model: str
    prompt_version: str
    usage: dict = field(default_factory=dict)

    def provenance(self):
        return {"provider": self.provider, "model": self.model, "prompt_version": self.prompt_version, "usage": self.usage}


def provider_name():
    return ANTHROPIC_PROVIDER if settings.ANTHROPIC_API_KEY else OFFLINE_PROVIDER


@lru_cache(maxsize=32)
def load_prompt(prompt):
    """(system, user template) from a prompt file with `## system` and `## user` sections."""
    app_label, name = prompt.split("/", 1)
    text = (Path(apps.get_app_config(app_label).path) / "prompts" / f"{name}.md").read_text(encoding="utf-8")
    match = re.search(r"^## system\s*$(.*?)^## user\s*$(.*)\Z", text, re.S | re.M)
    if not match:
        raise ValueError(f"prompt {prompt} needs a '## system' and a '## user' section")
    return match.group(1).strip(), match.group(2).strip()


def delimit(name, text):
    """Wrap untrusted text so that it cannot close its own delimiter and pose as instructions."""
    cleaned = re.sub(r"</?\s*untrusted[^>]*>", "", text or "", flags=re.I)
    return f'<untrusted name="{name}">\n{cleaned}\n</untrusted>'


_PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")


def render_prompt(task, inputs, untrusted):
    """Fill the user template in one pass, so that a value containing "{{ name }}" (a CV can) is
    never itself filled in."""
    system, template = load_prompt(task.prompt)
    values = {key: json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value for key, value in inputs.items()}
    values.update({key: delimit(key, value) for key, value in untrusted.items()})
    missing = [name for name in _PLACEHOLDER.findall(template) if name not in values]
    if missing:
        raise ValueError(f"prompt {task.prompt} has no value for {missing}")
    return system, _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def validate_output(task, data, inputs, untrusted):
    """Raise ValueError when the output breaks the schema or the task's own checks."""
    try:
        jsonschema.validate(data, task.schema)
    except jsonschema.ValidationError as error:
        # Where and which rule, never the offending value: it may quote the CV.
        where = "/".join(str(part) for part in error.absolute_path) or "the answer"
        raise ValueError(f"schema: {where} breaks '{error.validator}'") from error
    if task.check:
        task.check(data, inputs, untrusted)


def run(task, *, inputs, untrusted):
    """Run an AI task with the configured provider; returns an AIResult or raises AIUnavailable /
    AIFailed. Nothing about the inputs is logged."""
    if provider_name() == OFFLINE_PROVIDER:
        data = task.offline(inputs, untrusted)
        try:
            validate_output(task, data, inputs, untrusted)
        except ValueError as error:  # a bug in our own heuristics, not the candidate's fault
            raise AIFailed(f"offline {task.name} produced an invalid result ({error})") from error
        return AIResult(data, OFFLINE_PROVIDER, OFFLINE_MODEL, task.prompt_version)
    return _run_anthropic(task, inputs, untrusted)


@lru_cache(maxsize=4)
def _anthropic_client(api_key, base_url, timeout, max_retries):
    import anthropic

    return anthropic.Anthropic(api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=max_retries)


def anthropic_client():
    return _anthropic_client(
        settings.ANTHROPIC_API_KEY, settings.ANTHROPIC_BASE_URL, settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES
    )


def _run_anthropic(task, inputs, untrusted):
    import anthropic

    system, user = render_prompt(task, inputs, untrusted)
    tool = {"name": task.name, "description": f"Record the {task.name} result.", "input_schema": task.schema}
    usage = {"input_tokens": 0, "output_tokens": 0, "requests": 0}
    last_problem = None
    last_data = None
    for attempt in range(2):
        try:
            message = anthropic_client().messages.create(
                model=settings.AI_MODEL,
                max_tokens=task.max_tokens,
                system=system,
                messages=[{"role": "user", "content": user}],
                tools=[tool],
                tool_choice={"type": "tool", "name": task.name},
            )
        except (anthropic.RateLimitError, anthropic.InternalServerError, anthropic.APIConnectionError) as error:
            logger.warning("AI provider unavailable for %s: %s", task.name, type(error).__name__)
            raise AIUnavailable(f"AI provider unavailable ({type(error).__name__})") from error
        except anthropic.APIStatusError as error:
            logger.error("AI provider refused %s: HTTP %s", task.name, error.status_code)
            raise AIFailed(f"the AI provider refused the request (HTTP {error.status_code})") from error
        usage["requests"] += 1
        if message.usage is not None:
            usage["input_tokens"] += message.usage.input_tokens or 0
            usage["output_tokens"] += message.usage.output_tokens or 0
        data = next((block.input for block in message.content if block.type == "tool_use" and block.name == task.name), None)
        if not isinstance(data, dict):
            last_problem = "no structured answer"
            continue
        try:
            validate_output(task, data, inputs, untrusted)
        except ValueError as error:
            last_problem = str(error)
            last_data = (data, message.model)
            logger.warning("AI output rejected for %s (attempt %d): %s", task.name, attempt + 1, last_problem)
            continue
        return AIResult(data, ANTHROPIC_PROVIDER, message.model or settings.AI_MODEL, task.prompt_version, usage)
    if task.repair is not None and last_data is not None:
        data, model = last_data
        try:
            jsonschema.validate(data, task.schema)
            repaired = task.repair(data, inputs, untrusted)
            validate_output(task, repaired, inputs, untrusted)
        except (jsonschema.ValidationError, ValueError):
            pass
        else:
            usage["repaired"] = True
            return AIResult(repaired, ANTHROPIC_PROVIDER, model or settings.AI_MODEL, task.prompt_version, usage)
    raise AIOutputRejected(f"the AI answer was rejected twice ({last_problem})")
