"""Injected failures: the next N matching requests fail in a chosen way."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass


class Fault(enum.Enum):
    RATE_LIMIT = "rate_limit"  # 429 with retry-after
    SERVER_ERROR = "server_error"  # 500
    TIMEOUT = "timeout"  # stall for FakeProvider.timeout_sleep seconds, then answer
    CUT_STREAM = "cut_stream"  # close the connection mid-body, with no terminal event
    OVERLOADED = "overloaded"  # 529 (Anthropic) / 503 (OpenAI); mid-stream error event


@dataclass
class _Rule:
    fault: Fault
    remaining: int
    path: str | None
    model: str | None

    def matches(self, path: str, model: str | None) -> bool:
        return (self.path is None or self.path == path) and (self.model is None or self.model == model)


class FaultBook:
    """Pending faults, consumed first-in first-out by matching requests.

    Written from the test thread and read from the server's loop thread.
    """

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()

    def add(
        self,
        fault: Fault,
        times: int = 1,
        path: str | None = None,
        model: str | None = None,
    ) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._rules.append(_Rule(fault, times, path, model))

    def take(self, path: str, model: str | None) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(path, model):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule.fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
