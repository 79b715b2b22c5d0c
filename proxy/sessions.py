"""Which layer changed since this session's previous request (the "why did my cache miss"
header). Layer fingerprints of each session's last request are kept in Redis for a day."""

from __future__ import annotations

import hashlib
import json

from layercache_site import redis_store
from proxy.pipeline.fingerprints import first_changed_layer, layer_fingerprints
from proxy.pipeline.request import Layer, PipelineRequest

SESSION_TTL = 24 * 3600


def session_key(req: PipelineRequest, team_id: int, key_id: int, header_session: str) -> str:
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


async def changed_layer(req: PipelineRequest, team_id: int, session: str) -> str | None:
    """Compare with the session's previous request and remember this one.

    Returns the most stable layer that changed (L2 changes on every turn of a growing
    conversation; L0/L1 changing is what costs the provider cache), "none" when nothing
    did, "new" for a session's first request, and None when Redis is unavailable (no
    answer is better than a wrong one).
    """
    client = redis_store.async_client()
    if client is None:
        return None
    current = layer_fingerprints(req)
    redis_key = f"lc:session:{team_id}:{session}"
    try:
        previous_raw = await client.set(redis_key, json.dumps(current), ex=SESSION_TTL, get=True)
    except redis_store.RedisError as exc:
        redis_store.mark_failure(exc)
        return None
    if not isinstance(previous_raw, (str, bytes)):
        return "new"
    return first_changed_layer(json.loads(previous_raw), current) or "none"
