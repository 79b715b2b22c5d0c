"""The guards as a verifier stage: a pair the lexical rules tell apart is rejected."""

from __future__ import annotations

from proxy.outcomes import Verdict
from semantic_cache.verification.lexical import tables
from semantic_cache.verification.lexical.checks import guards_agree

NAME = "guards"


def reason_code(reason: str) -> str:
    """ "numbers differ: ['80'] vs ['90']" -> "numbers_differ: ['80'] vs ['90']": the rule's
    name as one machine-readable word, then what it saw."""
    rule, _, detail = reason.partition(":")
    code = rule.strip().replace(" ", "_")
    return f"{code}:{detail}" if detail else code


class GuardsStage:
    name = NAME

    def __init__(self) -> None:
        tables.load()  # read the word lists at start-up, not on the first request

    def judge(self, query: str, candidate: str) -> Verdict | None:
        result = guards_agree(query, candidate)
        return None if result.agree else Verdict(False, self.name, reason_code(result.reason))
