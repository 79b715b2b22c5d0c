"""Stored Responses (``store`` defaults to true), so ``previous_response_id`` can continue them.

A stored response keeps the conversation the model saw and said, instructions
excepted (OpenAI does not carry ``instructions`` over to the next response).
Responses belong to the API key that made them: another key gets the same 400
as an unknown id.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredResponse:
    id: str
    context: tuple[Mapping[str, Any], ...]  # earlier items, this input, this output
    document: Mapping[str, Any]  # the response object as it was returned


class ResponseStore:
    """Written from the server's loop thread, read by tests from theirs."""

    def __init__(self) -> None:
        self._responses: dict[tuple[str, str], StoredResponse] = {}
        self._lock = threading.Lock()

    def put(self, api_key: str, response: StoredResponse) -> None:
        with self._lock:
            self._responses[(api_key, response.id)] = response

    def get(self, api_key: str, response_id: str) -> StoredResponse | None:
        with self._lock:
            return self._responses.get((api_key, response_id))

    def documents(self) -> dict[str, Mapping[str, Any]]:
        with self._lock:
            return {response_id: stored.document for (_, response_id), stored in self._responses.items()}

    def clear(self) -> None:
        with self._lock:
            self._responses.clear()
