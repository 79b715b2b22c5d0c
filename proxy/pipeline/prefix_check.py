"""Prefix check: how long the cacheable prefix is, and its fingerprint.

Records, in diagnostics:
- `prefix_tokens` / `prefix_hash`: tools + the leading L0-L2 messages (what the original
  LayerCache returned as `lc_prefix_tokens` / `lc_prefix_hash`);
- `context_tokens` / `context_hash`: tools + L0/L1 only, the part that is the same for
  every conversation using a prompt (what a Gemini CachedContent would hold, and what the
  OpenAI `prompt_cache_key` is derived from);
- a warning when the prefix is shorter than the route's minimum cacheable length, below
  which providers silently cache nothing. The gateway turns it into a header and a
  rate-limited log line.
"""

from __future__ import annotations

from dataclasses import replace

from proxy.pipeline.fingerprints import fingerprint
from proxy.pipeline.layout import prefix_end
from proxy.pipeline.request import Layer, PipelineRequest
from proxy.pipeline.tokens import message_tokens, tools_tokens


class PrefixCheck:
    def __init__(self, min_prefix_tokens: int) -> None:
        self.min_prefix_tokens = min_prefix_tokens

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        prefix = req.messages[: prefix_end(req.messages)]
        context = [
            m for m in prefix if m.layer is not None and m.layer <= Layer.L1_CONTEXT
        ]
        tool_tokens = tools_tokens(req.tools)
        context_tokens = tool_tokens + sum(message_tokens(m) for m in context)
        prefix_tokens = context_tokens + sum(
            message_tokens(m) for m in prefix if m.layer == Layer.L2_SESSION
        )
        warnings = req.diagnostics.warnings
        if prefix_tokens < self.min_prefix_tokens:
            warnings += (
                (
                    f"prefix is about {prefix_tokens} tokens, below this route's minimum "
                    f"cacheable length of {self.min_prefix_tokens}: "
                    "the provider will not cache it"
                ),
            )
        diagnostics = replace(
            req.diagnostics,
            prefix_tokens=prefix_tokens,
            prefix_hash=fingerprint(prefix, req.tools),
            context_tokens=context_tokens,
            context_hash=fingerprint(context, req.tools),
            warnings=warnings,
        )
        return replace(req, diagnostics=diagnostics)
