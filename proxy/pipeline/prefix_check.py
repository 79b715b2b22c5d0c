"""Prefix check: how long the cacheable prefix is, and its fingerprint.

Records, in diagnostics:
- `prefix_tokens` / `prefix_hash`: tools + the leading L0-L2 messages (what the original
  LayerCache returned as `lc_prefix_tokens` / `lc_prefix_hash`);
- `context_tokens` / `context_hash`: tools + the leading L0/L1 messages only, the part that is the same for
  every conversation using a prompt (what a Gemini CachedContent would hold, and what the
  OpenAI `prompt_cache_key` is derived from);
- a warning when the prefix is shorter than the route's minimum cacheable length, below
  which providers silently cache nothing. The gateway turns it into a header and a
  rate-limited log line.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from proxy.pipeline.fingerprints import concat_arrays, document_bytes, messages_json, tools_json
from proxy.pipeline.layout import prefix_end
from proxy.pipeline.request import SYSTEM_LAYERS, PipelineRequest
from proxy.pipeline.tokens import message_tokens, text_tokens


class PrefixCheck:
    def __init__(self, min_prefix_tokens: int) -> None:
        self.min_prefix_tokens = min_prefix_tokens

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        prefix = req.messages[: prefix_end(req.messages)]
        context_end = 0
        while context_end < len(prefix) and prefix[context_end].layer in SYSTEM_LAYERS:
            context_end += 1
        # Each message is encoded once and hashed into both fingerprints.
        context_array = messages_json(prefix[:context_end])
        prefix_array = concat_arrays(context_array, messages_json(prefix[context_end:]))
        tools_array = tools_json(req.tools)
        # The `tools_tokens` estimate, from the encoding already at hand.
        tool_tokens = text_tokens(tools_array) if req.tools else 0
        context_tokens = tool_tokens + sum(message_tokens(m) for m in prefix[:context_end])
        prefix_tokens = context_tokens + sum(message_tokens(m) for m in prefix[context_end:])
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
            prefix_hash=hashlib.sha256(document_bytes(prefix_array, tools_array)).hexdigest(),
            context_tokens=context_tokens,
            context_hash=hashlib.sha256(document_bytes(context_array, tools_array)).hexdigest(),
            warnings=warnings,
        )
        return replace(req, diagnostics=diagnostics)
