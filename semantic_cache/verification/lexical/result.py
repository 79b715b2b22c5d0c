"""What one lexical check says about a pair of texts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GuardResult:
    """Whether two texts may share a cached answer, and if not, why (for diagnostics)."""

    agree: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.agree


AGREE = GuardResult(True)
