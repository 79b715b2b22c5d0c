"""No request of one team ever gets another team's entry (nor another key's or session's,
when it asked to be kept apart): a property test over random stores and lookups.

Vectors come from the unit-test HashingTestEmbedder and the threshold is 0, so the semantic
search returns *something* whenever its filter lets any row through: the only thing between
a request and a wrong answer is the scope filter under test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proxy.outcomes import Verdict
from proxy.principal import Principal
from proxy.usage import Usage
from semantic_cache.embedder import HashingTestEmbedder
from semantic_cache.lookup import find_exact, find_similar
from semantic_cache.models import CacheEntry, CacheScope
from semantic_cache.policy import resolve_scope
from semantic_cache.store import EntryDraft, save_entry
from tests.gateway_support import make_key

TEXTS = [
    "how do I sort a list in python",
    "how can I sort a python list",
    "what is the capital of france",
    "turn the lights on",
]


class _AcceptAll:
    """Isolation is the filter's job: every candidate the search returns is accepted here."""

    def verify(self, query: str, candidates: Sequence[str]) -> list[Verdict]:
        return [Verdict(True, "test") for _ in candidates]


ANY = _AcceptAll()
EMBEDDER = HashingTestEmbedder()


@pytest.fixture
def people(db: Any) -> dict[str, Principal]:
    found = {}
    for name, team in (("alice", "alpha"), ("bob", "alpha"), ("charlie", "beta")):
        key, _ = make_key(team)
        found[name] = Principal(
            team_id=key.team_id,
            team_name=team,
            team_cache_scope="team",
            key_id=key.id,
            key_prefix=key.prefix,
            allowed_route_ids=None,
            rpm_limit=None,
            tpm_limit=None,
            monthly_budget_usd=None,
            expires_at=None,
        )
    return found


def _draft(scope: CacheScope, text: str) -> EntryDraft:
    return EntryDraft(
        scope=scope,
        route_name="gpt",
        wire="openai",
        exact_key=hashlib.sha256(text.encode()).hexdigest(),
        context_fingerprint="same-context",
        template_version="",
        query_text=text,
        response={"answer": text, "team": scope.team_id},
        usage=Usage(),
        ttl_seconds=300,
    )


def _visible_to(entry: CacheEntry, scope: CacheScope) -> bool:
    if entry.team_id != scope.team_id or entry.scope != scope.scope:
        return False
    if scope.scope == "key":
        return entry.key_id == scope.key_id
    if scope.scope == "session":
        return entry.session_id == scope.session_id
    return True


request_shape = st.tuples(
    st.sampled_from(["alice", "bob", "charlie"]),
    st.sampled_from(["team", "key", "session"]),  # the team's default
    st.sampled_from([None, "team", "key", "session"]),  # lc_cache_scope
    st.sampled_from(["", "s-1", "s-2"]),  # session id
    st.sampled_from(TEXTS),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(request_shape, min_size=1, max_size=8), asked=request_shape)
def test_no_request_reads_an_entry_outside_its_partition(
    people: dict[str, Principal], stored: list[Any], asked: Any
) -> None:
    def scope_of(shape: Any) -> CacheScope | None:
        who, team_default, requested, session, _ = shape
        return resolve_scope(replace(people[who], team_cache_scope=team_default), requested, session)[0]

    with transaction.atomic():
        for shape in stored:
            scope = scope_of(shape)
            if scope is not None:
                save_entry(_draft(scope, shape[4]), EMBEDDER)
        scope = scope_of(asked)
        if scope is not None:
            text = asked[4]
            exact = find_exact(scope, _draft(scope, text).exact_key, "openai", None)
            similar = find_similar(
                scope, "same-context", "openai", EMBEDDER.model_name, EMBEDDER.embed_one(text), text, 0.0, None, ANY
            ).found
            for found in (exact, similar):
                if found is not None:
                    entry = CacheEntry.objects.get(id=found.entry_id)
                    assert entry.team_id == people[asked[0]].team_id
                    assert found.response["team"] == people[asked[0]].team_id
                    assert _visible_to(entry, scope)
        transaction.set_rollback(True)


def test_charlie_never_gets_alices_answer_even_with_the_same_session_id(people: dict[str, Principal]) -> None:
    alice_scope = resolve_scope(people["alice"], "session", "shared")[0]
    charlie_scope = resolve_scope(people["charlie"], "session", "shared")[0]
    assert alice_scope is not None and charlie_scope is not None
    save_entry(_draft(alice_scope, TEXTS[0]), EMBEDDER)
    assert find_exact(charlie_scope, _draft(charlie_scope, TEXTS[0]).exact_key, "openai", None) is None
    assert (
        find_similar(
            charlie_scope,
            "same-context",
            "openai",
            EMBEDDER.model_name,
            EMBEDDER.embed_one(TEXTS[0]),
            TEXTS[0],
            0.0,
            None,
            ANY,
        ).found
        is None
    )
    assert find_exact(alice_scope, _draft(alice_scope, TEXTS[0]).exact_key, "openai", None) is not None


def test_vectors_of_another_model_are_never_compared(people: dict[str, Principal]) -> None:
    scope = resolve_scope(people["alice"], None, "")[0]
    assert scope is not None
    save_entry(_draft(scope, TEXTS[0]), HashingTestEmbedder(model_name="test/other-model"))
    assert (
        find_similar(
            scope, "same-context", "openai", EMBEDDER.model_name, EMBEDDER.embed_one(TEXTS[0]), TEXTS[0], 0.0, None, ANY
        ).found
        is None
    )
