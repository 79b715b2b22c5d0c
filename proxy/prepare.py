"""Runs the layer pipeline for a request and says what it did.

Kept apart from gateway.py so the HTTP flow does not know pipeline details: it gets back
the prepared request, headers for the response, and a decorator for non-streamed bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from proxy.directory import Principal, RouteSpec
from proxy.pipeline.request import PipelineRequest


@dataclass(frozen=True)
class Prepared:
    request: PipelineRequest
    headers: Mapping[str, str] = field(default_factory=dict)

    def decorate_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return body


def prepare(req: PipelineRequest, route: RouteSpec, principal: Principal, session_id: str) -> Prepared:
    return Prepared(request=req, headers={"x-layercache-cache": "BYPASS"})
