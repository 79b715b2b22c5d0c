"""The prompt pipeline: pure steps from a parsed request to the one sent upstream.

Public API:
- `PipelineConfig`, `build_steps(config)`, `run_pipeline(req, steps)`;
- `layer_fingerprints(req)` / `first_changed_layer(previous, current)`;
- `parse_layer_name(name)`, `ENHANCEMENT_NAMES`.
"""
