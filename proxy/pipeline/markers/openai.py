"""OpenAI: `prompt_cache_key`, and explicit breakpoints where the model takes them.

OpenAI caches automatically; what a gateway can add is routing. Requests are routed by a
hash of their first ~256 tokens combined with `prompt_cache_key`, so a key derived from the
team and the fingerprint of tools + L0 + L1 sends one team's requests with the same
instructions to the same cache, without mixing teams. A key the client set is kept.

GPT-5.6+ models (config `supports_breakpoints`) also take `prompt_cache_breakpoint` on
content parts (not on tools or assistant output), at most four per request including the
client's: ours mark the end of the session history (its last non-assistant message) and
the end of the system layers, subject to the route's minimum cacheable length. Only the
OpenAI wire has content parts to put them on.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from proxy.pipeline.fingerprints import fingerprint
from proxy.pipeline.layout import prefix_end
from proxy.pipeline.markers.slots import (
    Position,
    client_markers,
    markable_spot,
    with_marker,
)
from proxy.pipeline.request import L1_CONTEXT, SYSTEM_LAYERS, PipelineRequest
from proxy.pipeline.tokens import message_tokens, tools_tokens

MAX_BREAKPOINTS = 4
BREAKPOINT = {"mode": "explicit"}


def prompt_cache_key(team_id: str, salt: str, context_hash: str) -> str:
    digest = hashlib.sha256(f"{salt}\x00{team_id}\x00{context_hash}".encode()).hexdigest()
    # Short and opaque: the key reaches the provider, the team id should not.
    return "lc-" + digest[:32]


class OpenAIMarkers:
    def __init__(
        self,
        team_id: str,
        cache_key_salt: str,
        supports_breakpoints: bool,
        min_prefix_tokens: int,
    ) -> None:
        self.team_id = team_id
        self.cache_key_salt = cache_key_salt
        self.supports_breakpoints = supports_breakpoints
        self.min_prefix_tokens = min_prefix_tokens

    def _with_key(self, req: PipelineRequest) -> PipelineRequest:
        if req.params.get("prompt_cache_key"):
            return req
        context_hash = req.diagnostics.context_hash or fingerprint(
            [m for m in req.messages if m.layer is not None and m.layer <= L1_CONTEXT],
            req.tools,
        )
        team = req.options.team_id or self.team_id
        key = prompt_cache_key(team, self.cache_key_salt, context_hash)
        return replace(req, params={**req.params, "prompt_cache_key": key})

    def _spots(self, req: PipelineRequest) -> list[Position]:
        messages = req.messages
        end = prefix_end(messages)
        system_end = 0
        while system_end < end and messages[system_end].layer in SYSTEM_LAYERS:
            system_end += 1
        spots = []
        for i in range(end - 1, system_end - 1, -1):
            if messages[i].role != "assistant":
                spot = markable_spot(messages, i, req.dialect)
                if spot is not None:
                    spots.append(spot)
                    break
        if system_end:
            spot = markable_spot(messages, system_end - 1, req.dialect)
            if spot is not None:
                spots.append(spot)
        return spots

    def _with_breakpoints(self, req: PipelineRequest) -> PipelineRequest:
        # LiteLLM turns `cache_control` into breakpoints for these models: both count.
        client = client_markers(req, "prompt_cache_breakpoint") + client_markers(req)
        free = MAX_BREAKPOINTS - len(client)
        if free <= 0:
            return req
        taken = {c.position for c in client}
        running = tools_tokens(req.tools)
        cumulative = []
        for message in req.messages[: prefix_end(req.messages)]:
            running += message_tokens(message)
            cumulative.append(running)
        messages = list(req.messages)
        placed = 0
        for index, block in self._spots(req):
            if placed == free:
                break
            if (index, block) in taken or cumulative[index] < self.min_prefix_tokens:
                continue
            messages[index] = with_marker(messages[index], block, "prompt_cache_breakpoint", BREAKPOINT, req.dialect)
            placed += 1
        if not placed:
            return req
        diagnostics = replace(req.diagnostics, markers_placed=req.diagnostics.markers_placed + placed)
        return replace(req, messages=tuple(messages), diagnostics=diagnostics)

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        req = self._with_key(req)
        if self.supports_breakpoints and req.dialect == "openai":
            req = self._with_breakpoints(req)
        return req
