"""One eager test per Celery task, plus the re-embedding command's progress output."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from proxy.models import Team
from semantic_cache import tasks
from semantic_cache.embedder import get_embedder
from semantic_cache.few_shot import pick_examples
from semantic_cache.models import CacheEntry, FewShotExample


@pytest.fixture
def team(db: Any) -> Team:
    return Team.objects.create(name="alpha")


def _entry(team: Team, key: str, expires_in: float, model: str = "", text: str = "") -> CacheEntry:
    now = timezone.now()
    return CacheEntry.objects.create(
        team=team,
        scope="team",
        route_name="gpt",
        wire="openai",
        exact_key=key,
        context_fingerprint="fp",
        embedding_model=model,
        embedding=np.zeros(384, dtype=np.float32) + 0.05 if model else None,
        query_text=text,
        response={},
        created_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )


def test_the_cleanup_task_deletes_only_expired_entries(team: Team) -> None:
    _entry(team, "old", -5)
    _entry(team, "older", -3600)
    live = _entry(team, "live", 300)
    assert tasks.cleanup_expired_entries.apply().get() == 2
    assert list(CacheEntry.objects.values_list("id", flat=True)) == [live.id]


def test_the_reembed_task_moves_entries_to_the_current_model(team: Team) -> None:
    stale = _entry(team, "stale", 300, model="test/old-model", text="How do I reverse a list in Python?")
    _entry(team, "exact-only", 300)
    assert tasks.reembed_entries.apply().get() == 1
    stale.refresh_from_db()
    model = get_embedder()
    assert stale.embedding_model == model.model_name
    assert np.allclose(np.asarray(stale.embedding), model.embed_one(stale.query_text), atol=1e-5)
    # The index vector moved with it: the new embedding, then the new model's partition code.
    expected = stale.search_vector_for(np.asarray(stale.embedding), model.model_name)
    assert np.allclose(np.asarray(stale.search_vector), expected, atol=1e-6)
    assert tasks.reembed_entries.apply().get() == 0


def test_the_few_shot_task_embeds_examples_and_the_picker_ranks_by_meaning(db: Any) -> None:
    FewShotExample.objects.create(input="Translate 'good morning' into French.", output="Bonjour.")
    FewShotExample.objects.create(input="What is the derivative of x squared?", output="2x")
    FewShotExample.objects.create(input="Summarise the plot of Hamlet.", output="A prince avenges his father.")
    FewShotExample.objects.create(input="Translate 'thank you' into Spanish.", output="Gracias.", enabled=False)
    assert pick_examples("How do you say 'good night' in French?", 2) == []  # nothing embedded yet
    assert tasks.embed_few_shot_examples.apply().get() == 3
    picked = pick_examples("How do you say 'good night' in French?", 2)
    assert picked[0] == ("Translate 'good morning' into French.", "Bonjour.")
    assert ("Translate 'thank you' into Spanish.", "Gracias.") not in picked
    assert pick_examples("anything", 0) == []


def test_the_reembed_command_reports_progress(team: Team) -> None:
    for index in range(3):
        _entry(team, f"stale-{index}", 300, model="test/old-model", text=f"Question number {index} about lists")
    out = StringIO()
    call_command("reembed_cache", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "2/3" in text and "3/3" in text and "re-embedded 3 entries" in text
