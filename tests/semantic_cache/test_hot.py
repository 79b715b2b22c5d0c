"""The in-process copies of exact answers (semantic_cache/hot.py): served only while the
Redis tokens they were read at are still current, never past expiry or a request's max-age."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from semantic_cache import hot
from semantic_cache.generations import invalidate_teams
from semantic_cache.hot import HotAnswers, HotKey, Tokens
from semantic_cache.lookup import Found
from semantic_cache.models import CacheScope

TEAM = CacheScope(team_id=1, scope="team")
TOKENS = Tokens(generation=b"g1", version=None)


def _found(entry_id: int = 1, age_seconds: int = 0, ttl_seconds: int = 300) -> Found:
    created = timezone.now() - timedelta(seconds=age_seconds)
    return Found(entry_id, {"id": "x"}, {}, created, created + timedelta(seconds=ttl_seconds), 1.0, semantic=False)


def _key(exact_key: str = "k", scope: CacheScope = TEAM) -> HotKey:
    return HotKey(scope, exact_key, "openai")


def test_a_copy_is_served_while_its_tokens_are_current() -> None:
    answers = HotAnswers(10)
    answers.put(_key(), _found(7), TOKENS)
    got = answers.get(_key(), TOKENS, None)
    assert got is not None and got.entry_id == 7


@pytest.mark.parametrize(
    "now_tokens",
    [Tokens(b"g2", None), Tokens(b"g1", b"v1")],
    ids=["team invalidated", "entry re-stored"],
)
def test_a_copy_read_at_other_tokens_is_dropped(now_tokens: Tokens) -> None:
    answers = HotAnswers(10)
    answers.put(_key(), _found(), TOKENS)
    assert answers.get(_key(), now_tokens, None) is None
    assert len(answers) == 0
    assert answers.get(_key(), TOKENS, None) is None  # gone, not just hidden


def test_an_expired_copy_is_never_served() -> None:
    answers = HotAnswers(10)
    answers.put(_key(), _found(age_seconds=10, ttl_seconds=5), TOKENS)
    assert answers.get(_key(), TOKENS, None) is None


def test_max_age_refuses_an_older_copy_but_keeps_it_for_others() -> None:
    answers = HotAnswers(10)
    answers.put(_key(), _found(age_seconds=120), TOKENS)
    assert answers.get(_key(), TOKENS, 60) is None
    assert answers.get(_key(), TOKENS, None) is not None


def test_partitions_and_wire_formats_are_separate_keys() -> None:
    answers = HotAnswers(10)
    answers.put(_key(), _found(), TOKENS)
    assert answers.get(_key(scope=CacheScope(team_id=2, scope="team")), TOKENS, None) is None
    assert answers.get(_key(scope=CacheScope(team_id=1, scope="key", key_id=3)), TOKENS, None) is None
    assert answers.get(HotKey(TEAM, "k", "anthropic"), TOKENS, None) is None
    assert _key().version_key() != _key(scope=CacheScope(team_id=1, scope="session", session_id="s")).version_key()


def test_the_least_recently_used_copy_goes_first() -> None:
    answers = HotAnswers(2)
    answers.put(_key("a"), _found(1), TOKENS)
    answers.put(_key("b"), _found(2), TOKENS)
    assert answers.get(_key("a"), TOKENS, None) is not None  # "a" is now the most recent
    answers.put(_key("c"), _found(3), TOKENS)
    assert answers.get(_key("b"), TOKENS, None) is None
    assert answers.get(_key("a"), TOKENS, None) is not None
    assert answers.get(_key("c"), TOKENS, None) is not None


def test_capacity_zero_turns_the_copies_off() -> None:
    answers = HotAnswers(0)
    answers.put(_key(), _found(), TOKENS)
    assert answers.get(_key(), TOKENS, None) is None


def test_tokens_change_on_invalidation_and_on_store() -> None:
    async def scenario() -> list[Tokens | None]:
        first = await hot.read_tokens(_key())
        await hot.mark_stored(_key(), 60)
        stored = await hot.read_tokens(_key())
        invalidate_teams({TEAM.team_id})
        invalidated = await hot.read_tokens(_key())
        return [first, stored, invalidated]

    first, stored, invalidated = asyncio.run(scenario())
    assert first is not None and stored is not None and invalidated is not None
    assert stored.generation == first.generation and stored.version != first.version
    assert invalidated.generation != stored.generation and invalidated.version == stored.version
