"""What changed since this session's previous request: the "why did my cache miss" facts.

Per session, the previous request's layer fingerprints, its conversation turns'
fingerprints and its time are kept in Redis for a day (one round trip: SET ... GET). From
them: the most stable layer that changed, whether the history was rewritten rather than
appended to, and how long ago the previous request was (a provider cache's TTL may have run
out in between).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from layercache_site import redis_store
from proxy.pipeline.fingerprints import fingerprint, first_changed_layer, layer_fingerprints
from proxy.pipeline.request import SYSTEM_LAYERS, Layer, PipelineRequest

SESSION_TTL = 24 * 3600


@dataclass(frozen=True)
class SessionChange:
    # "L0_SYSTEM" ... "L4_USER", "none", "new"; None when unknown (no Redis).
    changed_layer: str | None = None
    seconds_since_previous: float | None = None
    history_rewritten: bool = False


def session_key(req: PipelineRequest, key_id: int, header_session: str) -> str:
    """The client's session id (header or lc_session_id), else one derived from the
    conversation's stable start: same key, same system/context, same first user turn."""
    explicit = header_session or req.options.session_id
    if explicit:
        return f"s:{explicit}"
    first_user = next((m for m in req.messages if m.role == "user"), None)
    stable = [m for m in req.messages if m.layer in (Layer.L0_SYSTEM, Layer.L1_CONTEXT)]
    digest = hashlib.sha256(
        json.dumps([key_id, [repr(m.content) for m in stable], repr(first_user.content) if first_user else ""]).encode()
    ).hexdigest()[:24]
    return f"d:{digest}"


def _turns(req: PipelineRequest) -> list[str]:
    """Short fingerprints of the conversation's turns (everything after L0/L1, but L3)."""
    return [
        fingerprint((m,))[:16]
        for m in req.messages
        if m.layer not in SYSTEM_LAYERS and m.layer is not Layer.L3_ENHANCEMENT
    ]


async def compare_with_previous(req: PipelineRequest, team_id: int, session: str) -> SessionChange:
    """Compare with the session's previous request and remember this one."""
    client = redis_store.async_client()
    if client is None:
        return SessionChange()
    current = {"layers": layer_fingerprints(req), "turns": _turns(req), "at": time.time()}
    redis_key = f"lc:session:{team_id}:{session}"
    try:
        previous_raw = await client.set(redis_key, json.dumps(current), ex=SESSION_TTL, get=True)
    except redis_store.RedisError as exc:
        redis_store.mark_failure(exc)
        return SessionChange()
    if not isinstance(previous_raw, str | bytes):
        return SessionChange(changed_layer="new")
    try:
        previous = json.loads(previous_raw)
        layers, turns, at = previous["layers"], previous["turns"], float(previous["at"])
    except (ValueError, KeyError, TypeError):
        return SessionChange(changed_layer="new")  # written by an older version
    now_turns = current["turns"]
    assert isinstance(now_turns, list)
    # Growing is appending: every earlier turn still there, in order, at the start.
    rewritten = now_turns[: len(turns)] != turns
    return SessionChange(
        changed_layer=first_changed_layer(layers, current["layers"]) or "none",  # type: ignore[arg-type]
        seconds_since_previous=max(time.time() - at, 0.0),
        history_rewritten=rewritten,
    )
