"""Which `WireFormat` serves which path: the one place protocols are listed.

Adding a protocol is a module under `proxy/wire/` plus one line in `WIRE_FORMATS`; the
gateway serves every listed format on its path, and errors on any path under a format's
path (its sub-endpoints, such as `/v1/messages/count_tokens`) come in that format's envelope.
"""

from __future__ import annotations

from proxy.wire.anthropic_messages import ANTHROPIC_MESSAGES
from proxy.wire.base import WireFormat
from proxy.wire.openai_chat import OPENAI_CHAT
from proxy.wire.openai_responses import OPENAI_RESPONSES

WIRE_FORMATS: tuple[WireFormat, ...] = (
    OPENAI_CHAT,
    ANTHROPIC_MESSAGES,
    OPENAI_RESPONSES,
)

BY_NAME: dict[str, WireFormat] = {wire.name: wire for wire in WIRE_FORMATS}
BY_PATH: dict[str, WireFormat] = {wire.path: wire for wire in WIRE_FORMATS}
# Every other path (models, embeddings, the management APIs) answers in OpenAI's envelope,
# which is what the SDKs and tools calling them parse.
DEFAULT = OPENAI_CHAT


def for_path(path: str) -> WireFormat:
    """The format whose error envelope a caller of `path` expects."""
    path = path.rstrip("/")
    exact = BY_PATH.get(path)
    if exact is not None:
        return exact
    for wire in WIRE_FORMATS:
        if path.startswith(wire.path + "/"):
            return wire
    return DEFAULT
