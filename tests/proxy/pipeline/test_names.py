from __future__ import annotations

import pytest

from proxy.pipeline.names import ENHANCEMENT_NAMES, parse_layer_name
from proxy.pipeline.request import Layer


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("L0", Layer.L0_SYSTEM),
        ("L0_SYSTEM", Layer.L0_SYSTEM),
        ("system", Layer.L0_SYSTEM),
        ("L1", Layer.L1_CONTEXT),
        ("L1_CONTEXT", Layer.L1_CONTEXT),
        ("context", Layer.L1_CONTEXT),
        ("L2", Layer.L2_SESSION),
        ("L2_SESSION", Layer.L2_SESSION),
        ("session", Layer.L2_SESSION),
        ("L3", Layer.L3_ENHANCEMENT),
        ("L3_ENHANCEMENT", Layer.L3_ENHANCEMENT),
        ("enhancement", Layer.L3_ENHANCEMENT),
        ("L4", Layer.L4_USER),
        ("L4_USER", Layer.L4_USER),
        ("user", Layer.L4_USER),
        (" l2_session ", Layer.L2_SESSION),
    ],
)
def test_it_accepts_every_spelling_the_original_accepted(name: str, layer: Layer) -> None:
    assert parse_layer_name(name) is layer


@pytest.mark.parametrize("name", ["L5", "", "assistant", "L0-SYSTEM", "0"])
def test_it_rejects_unknown_layer_names_with_the_accepted_spellings(name: str) -> None:
    with pytest.raises(ValueError, match="L0/L0_SYSTEM/system"):
        parse_layer_name(name)


def test_it_lists_the_four_builtin_enhancements() -> None:
    assert ENHANCEMENT_NAMES == (
        "chain_of_thought",
        "structured_json",
        "self_critique",
        "dynamic_few_shot",
    )
