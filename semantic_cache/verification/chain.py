"""The semantic verifier's one interface, and the chain of stages that implements it.

A semantic-cache candidate passed the similarity threshold; a `Verifier` says, for each
candidate of one query, whether it may be served (`Verdict(accepted, stage, reason)`, from
proxy/outcomes.py). A `Chain` runs its stages in order on each candidate: a stage accepts,
rejects, or passes the candidate on (returns None); the first stage to decide names itself in
the verdict, and a candidate every stage passes on is accepted by the last one. Stages are
one-sided like the rules they hold: when unsure, they reject, which only costs a cache miss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from proxy.outcomes import Verdict

# The reason on a verdict no stage decided: every stage let the candidate through.
ALL_AGREE = "agree"


class Verifier(Protocol):
    def verify(self, query: str, candidates: Sequence[str]) -> list[Verdict]:
        """One verdict per candidate, in order."""
        ...


class Stage(Protocol):
    name: str

    def judge(self, query: str, candidate: str) -> Verdict | None:
        """Accept or reject `candidate` for `query`, or None to pass it to the next stage."""
        ...


class Chain:
    """Stages run in order on each candidate; built once (semantic_cache/verification/registry.py)."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        if not stages:
            raise ValueError("a verifier chain needs at least one stage")
        self.stages = tuple(stages)
        self.names = tuple(stage.name for stage in self.stages)

    def verify(self, query: str, candidates: Sequence[str]) -> list[Verdict]:
        return [self.judge(query, candidate) for candidate in candidates]

    def judge(self, query: str, candidate: str) -> Verdict:
        for stage in self.stages:
            verdict = stage.judge(query, candidate)
            if verdict is not None:
                return verdict
        return Verdict(True, self.stages[-1].name, ALL_AGREE)

    def __repr__(self) -> str:
        return f"Chain({','.join(self.names)})"
