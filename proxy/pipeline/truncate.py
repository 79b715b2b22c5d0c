"""Truncate: keep session history (L2) within `max_session_tokens`, cache-friendly.

Only L2 is ever dropped; L0/L1, L3 and the final turn (L4) always stay.

Units. History is cut only in front of a plain user message, so a unit is one exchange: a
user message and everything up to the next one (assistant replies, tool calls and their
results). An assistant tool call and its results are therefore dropped or kept together,
and kept history always starts with a user message, as Anthropic requires. When the final
turn only carries tool results, the exchange holding the call they answer is kept.

Cache-aware cutting. A stateless "drop the oldest until it fits" moves the start of the
history by one exchange on every turn once the budget is reached, so no prefix beyond the
system layers is ever reused. Instead, cut points sit on a grid anchored at the *start* of
the conversation: a new chunk begins at the first exchange whose starting offset crosses a
multiple of `step = budget * (1 - keep_ratio)` tokens. History only grows at its end, so
these boundaries never move between turns. The step drops the fewest whole chunks that make
the rest fit. Right after a cut roughly `keep_ratio` of the budget remains; the following
turns append to an unchanged window until it overflows again, and only then does the cut
move, by a whole chunk.

Keep ratio by provider. Every cut sends the kept window at a new offset, so the provider
caches it again. On OpenAI-style automatic caching that costs the cached-input discount
once. On Anthropic it is a cache write at 1.25x input for tokens the previous turns read
at 0.1x, so keeping much after a cut costs more than the truncation saves (measured in
tests/benchmarks/bench_prefix_cache.py: keeping 55% of the budget made 30-turn Anthropic
conversations dearer than sending the full history; 30% made them 20% cheaper). Unless
configured, the ratio is therefore chosen by the route's provider family.

Strategies:
- `recent`: drop every exchange before the cut point.
- `important`: exchanges before the cut point that contain a tool call or tool result, a
  fenced code block, or a user instruction of at least `LONG_INSTRUCTION_CHARS`
  characters are kept as well, newest first, while they use at most half of the budget;
  the rest is dropped. Which of them survive depends only on the cut point, so the kept
  prefix is just as stable as with `recent`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from proxy.pipeline.request import L2_SESSION, L4_USER, MAPPING, Message, PipelineRequest
from proxy.pipeline.stratify import is_plain_user, is_tool_result
from proxy.pipeline.tokens import message_tokens

Strategy = Literal["recent", "important"]

LONG_INSTRUCTION_CHARS = 400
IMPORTANT_SHARE = 0.5
DEFAULT_KEEP_RATIO = 0.55
KEEP_RATIO_BY_FAMILY = {"anthropic": 0.3}


@dataclass(frozen=True)
class _Unit:
    indices: tuple[int, ...]
    tokens: int
    important: bool


def _text_of(message: Message) -> str:
    if isinstance(message.content, str):
        return message.content
    if isinstance(message.content, tuple):
        return "\n".join(
            str(p.get("text", "")) for p in message.content if isinstance(p, MAPPING) and p.get("type") == "text"
        )
    return ""


def _is_important(message: Message) -> bool:
    if message.fields.get("tool_calls") or is_tool_result(message):
        return True
    if isinstance(message.content, tuple) and any(
        isinstance(p, MAPPING) and p.get("type") == "tool_use" for p in message.content
    ):
        return True
    text = _text_of(message)
    if "```" in text:
        return True
    return message.role == "user" and len(text) >= LONG_INSTRUCTION_CHARS


def _units(messages: tuple[Message, ...], rank: bool) -> list[_Unit]:
    groups: list[list[int]] = []
    for i, message in enumerate(messages):
        if message.layer != L2_SESSION:
            continue
        if not groups or is_plain_user(message):
            groups.append([])
        groups[-1].append(i)
    return [
        _Unit(
            indices=tuple(g),
            tokens=sum(message_tokens(messages[i]) for i in g),
            important=rank and any(_is_important(messages[i]) for i in g),
        )
        for g in groups
    ]


def _final_turn_continues_history(messages: tuple[Message, ...]) -> bool:
    for message in messages:
        if message.layer == L4_USER:
            return not is_plain_user(message)
    return False


def _chunk_starts(units: list[_Unit], step: int) -> list[int]:
    """Unit indices at which a new chunk of the fixed grid begins (0 excluded)."""
    starts = []
    offset = 0
    chunk = 0
    for k, unit in enumerate(units):
        if offset // step > chunk:
            chunk = offset // step
            starts.append(k)
        offset += unit.tokens
    return starts


class Truncate:
    def __init__(
        self,
        default_max_tokens: int | None,
        strategy: Strategy = "recent",
        keep_ratio: float | None = None,
    ) -> None:
        """`keep_ratio` None: by provider family (KEEP_RATIO_BY_FAMILY, else DEFAULT_KEEP_RATIO)."""
        if strategy not in ("recent", "important"):
            raise ValueError(f"unknown truncation strategy {strategy!r}")
        if keep_ratio is not None and not 0.0 < keep_ratio < 1.0:
            raise ValueError("keep_ratio must be between 0 and 1")
        self.default_max_tokens = default_max_tokens
        self.strategy = strategy
        self.keep_ratio = keep_ratio

    def _kept_before(self, units: list[_Unit], cut: int, budget: int) -> list[int]:
        if self.strategy != "important":
            return []
        kept: list[int] = []
        used = 0
        for k in range(cut - 1, -1, -1):
            unit = units[k]
            if unit.important and used + unit.tokens <= budget * IMPORTANT_SHARE:
                kept.append(k)
                used += unit.tokens
        return kept

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        budget = req.options.max_session_tokens or self.default_max_tokens
        if not budget:
            return req
        units = _units(req.messages, rank=self.strategy == "important")
        total = sum(u.tokens for u in units)
        if total <= budget or not units:
            return req
        # The exchange the final tool results answer cannot go.
        droppable = len(units) - 1 if _final_turn_continues_history(req.messages) else len(units)
        keep_ratio = self.keep_ratio
        if keep_ratio is None:
            keep_ratio = KEEP_RATIO_BY_FAMILY.get(req.provider_family, DEFAULT_KEEP_RATIO)
        step = max(1, int(budget * (1.0 - keep_ratio)))
        candidates = [k for k in _chunk_starts(units, step) if k <= droppable]
        candidates.append(droppable)
        suffix = [0] * (len(units) + 1)
        for k in range(len(units) - 1, -1, -1):
            suffix[k] = suffix[k + 1] + units[k].tokens
        kept_before: list[int] = []
        cut = droppable
        for candidate in candidates:
            kept_before = self._kept_before(units, candidate, budget)
            if suffix[candidate] + sum(units[k].tokens for k in kept_before) <= budget:
                cut = candidate
                break
        else:
            kept_before = self._kept_before(units, cut, budget)
        keep_units = set(kept_before)
        dropped = {i for k in range(cut) if k not in keep_units for i in units[k].indices}
        if not dropped:
            return req
        messages = tuple(m for i, m in enumerate(req.messages) if i not in dropped)
        warnings = req.diagnostics.warnings
        if suffix[cut] + sum(units[k].tokens for k in kept_before) > budget:
            warnings += (
                (
                    f"session history still exceeds max_session_tokens ({budget}) "
                    "after dropping every droppable exchange"
                ),
            )
        diagnostics = replace(
            req.diagnostics,
            dropped_messages=req.diagnostics.dropped_messages + len(dropped),
            warnings=warnings,
        )
        return replace(req, messages=messages, diagnostics=diagnostics)
