"""How a request's `lc_template` becomes its L0/L1 layers (called by the gateway)."""

from __future__ import annotations

import re

from proxy.errors import bad_request
from proxy.pipeline.request import PipelineRequest
from templates_registry.lookup import TemplateDirectory
from templates_registry.merge import merge
from templates_registry.render import VariablesError, resolve_values

_REFERENCE = re.compile(r"^(?P<name>[^@]+)(?:@(?P<version>[0-9]+))?$")


def parse_reference(reference: str) -> tuple[str, int | None]:
    """`"name"` -> (name, None); `"name@3"` -> (name, 3)."""
    match = _REFERENCE.match(reference)
    if match is None:
        raise bad_request(f"lc_template must be 'name' or 'name@version', got {reference!r}", "lc_template")
    version = match.group("version")
    return match.group("name"), int(version) if version is not None else None


async def apply_template(req: PipelineRequest, team_id: int, templates: TemplateDirectory) -> PipelineRequest:
    options = req.options
    if options.template is None:
        if options.template_vars:
            raise bad_request("lc_template_vars was given without lc_template", "lc_template_vars")
        return req
    name, pinned = parse_reference(options.template)
    compiled = await templates.resolve(team_id, name, pinned)
    if compiled is None:
        what = f"version {pinned} of prompt template {name!r}" if pinned is not None else f"prompt template {name!r}"
        raise bad_request(f"Unknown {what}", "lc_template")
    try:
        values = resolve_values(compiled, options.template_vars)
    except VariablesError as exc:
        raise bad_request(str(exc), "lc_template_vars") from None
    return merge(req, compiled, values)
