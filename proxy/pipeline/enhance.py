"""Enhance: add the requested prompt enhancements as L3, after the cached prefix.

Enhancements are per-request instructions; inside the prefix they would make every
combination of them a separate cache entry. They are joined, in the order the client
listed them, into one L3 message placed by `layout.insert_l3` (after the session history,
before the final user message).

- `chain_of_thought`, `self_critique`: fixed texts.
- `structured_json`: the schema-bearing text when `params["response_format"]` carries a
  `json_schema`, the plain one otherwise. The schema is inserted with its key order intact:
  for structured outputs, property order is the order the model writes them in.
- `dynamic_few_shot`: up to `k` examples from the configured picker for the final user
  turn's text; left out when there is no picker or nothing matches.

Unknown names (the gateway validates them, so this means a mismatch between the two) are
reported as warnings, not errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from proxy.enhancements.few_shot import FewShotPicker
from proxy.pipeline.layout import insert_l3
from proxy.pipeline.request import L4_USER, MAPPING, PipelineRequest
from proxy.pipeline.stratify import is_plain_user


def _final_user_text(req: PipelineRequest) -> str:
    texts = []
    for message in req.messages:
        if message.layer != L4_USER or not is_plain_user(message):
            continue
        if isinstance(message.content, str):
            texts.append(message.content)
        elif isinstance(message.content, tuple):
            texts.extend(
                str(p["text"])
                for p in message.content
                if isinstance(p, MAPPING) and p.get("type") == "text" and "text" in p
            )
    return "\n".join(texts)


def _json_schema(params: Mapping[str, Any]) -> Any:
    response_format = params.get("response_format")
    if not isinstance(response_format, MAPPING):
        return None
    if response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    return spec.get("schema") if isinstance(spec, MAPPING) else None


class Enhance:
    def __init__(
        self,
        texts: Mapping[str, str],
        few_shot_picker: FewShotPicker | None = None,
        few_shot_k: int = 3,
    ) -> None:
        self.texts = texts
        self.few_shot_picker = few_shot_picker
        self.few_shot_k = few_shot_k

    def _text(self, name: str, req: PipelineRequest) -> str | None:
        if name == "structured_json":
            schema = _json_schema(req.params)
            if schema is not None:
                rendered = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
                return self.texts["structured_json.schema"].replace("{schema}", rendered)
            return self.texts["structured_json"]
        if name == "dynamic_few_shot":
            if self.few_shot_picker is None:
                return None
            query = _final_user_text(req)
            examples = self.few_shot_picker(query, self.few_shot_k) if query else []
            if not examples:
                return None
            template = self.texts["dynamic_few_shot.example"]
            shots = [template.replace("{input}", given).replace("{output}", expected) for given, expected in examples]
            return "\n\n".join([self.texts["dynamic_few_shot.header"], *shots])
        if name in ("chain_of_thought", "self_critique"):
            return self.texts[name]
        return None

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        names = tuple(dict.fromkeys(req.options.enhancements))
        if not names:
            return req
        sections = []
        applied = []
        warnings = []
        for name in names:
            text = self._text(name, req)
            if text is not None:
                sections.append(text)
                applied.append(name)
            elif name not in ("dynamic_few_shot",):
                warnings.append(f"unknown enhancement {name!r} ignored")
        diagnostics = replace(
            req.diagnostics,
            enhancements_applied=req.diagnostics.enhancements_applied + tuple(applied),
            warnings=req.diagnostics.warnings + tuple(warnings),
        )
        req = replace(req, diagnostics=diagnostics)
        if not sections:
            return req
        return insert_l3(req, "\n\n".join(sections))
