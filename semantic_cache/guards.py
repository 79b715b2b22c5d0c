"""Transitional: semantic_cache/integration.py imports `is_eligible_for_semantic` from here.

The guards themselves are the "guards" stage of semantic_cache/verification/ now, and the
eligibility rule lives in semantic_cache/eligibility.py. Delete this module when
integration.py (being rewritten into the gateway) imports semantic_cache.eligibility.
"""

from __future__ import annotations

from semantic_cache.eligibility import is_eligible_for_semantic

__all__ = ["is_eligible_for_semantic"]
