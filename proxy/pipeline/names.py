"""Names the `lc_*` request fields use for layers and enhancements.

The gateway validates client input with these; the original LayerCache accepted the short,
long and descriptive spellings of each layer, and its users still send all three.
"""

from __future__ import annotations

from proxy.pipeline.request import Layer

ENHANCEMENT_NAMES: tuple[str, ...] = (
    "chain_of_thought",
    "structured_json",
    "self_critique",
    "dynamic_few_shot",
)

_LAYER_ALIASES: dict[str, Layer] = {}
for _layer, _aliases in (
    (Layer.L0_SYSTEM, ("l0", "l0_system", "system")),
    (Layer.L1_CONTEXT, ("l1", "l1_context", "context")),
    (Layer.L2_SESSION, ("l2", "l2_session", "session")),
    (Layer.L3_ENHANCEMENT, ("l3", "l3_enhancement", "enhancement")),
    (Layer.L4_USER, ("l4", "l4_user", "user")),
):
    for _alias in _aliases:
        _LAYER_ALIASES[_alias] = _layer


def parse_layer_name(name: str) -> Layer:
    """`L0`, `L0_SYSTEM` or `system` (any case) -> Layer.L0_SYSTEM, and so on for L1..L4.

    Raises ValueError for anything else, with the accepted spellings in the message so the
    gateway can pass it to the client as is.
    """
    layer = _LAYER_ALIASES.get(name.strip().lower()) if isinstance(name, str) else None
    if layer is None:
        raise ValueError(
            f"unknown layer {name!r}; expected one of L0/L0_SYSTEM/system, "
            "L1/L1_CONTEXT/context, L2/L2_SESSION/session, L3/L3_ENHANCEMENT/enhancement, "
            "L4/L4_USER/user"
        )
    return layer
