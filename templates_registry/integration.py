"""How a request's `lc_template` becomes its L0/L1 layers (filled in by the templates work)."""

from __future__ import annotations

from proxy.errors import bad_request
from proxy.pipeline.request import PipelineRequest


async def apply_template(req: PipelineRequest, team_id: int) -> PipelineRequest:
    if req.options.template is None:
        return req
    raise bad_request(f"Unknown prompt template {req.options.template!r}", "lc_template")
