"""Response-cache entries and few-shot examples (Postgres + pgvector).

Every query of `CacheEntry` goes through `CacheEntryQuerySet.for_team` (admin, API, tasks)
or `for_scope` (the gateway's lookups, which build on `for_team`): a cached answer is never
served across teams, keys or sessions that did not ask to share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from proxy.models import ApiKey, Team
from semantic_cache.generations import invalidate_teams
from semantic_cache.search_space import partition_code, search_dim, search_vector

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# all-MiniLM-L6-v2 (the default model) and bge-small both give 384 dimensions; a model
# with another size needs a migration of this column, not just a setting.
EMBEDDING_DIM = 384


class Scope(models.TextChoices):
    """Who may share an entry, from widest to narrowest."""

    TEAM = "team", "Team"
    KEY = "key", "API key"
    SESSION = "session", "Session"


@dataclass(frozen=True)
class CacheScope:
    """The partition a request reads and writes: always one team, maybe one key or session.

    Built only by `semantic_cache.policy.resolve_scope`, which guarantees that a KEY scope
    carries a key id and a SESSION scope a session id.
    """

    team_id: int
    scope: str
    key_id: int | None = None
    session_id: str = ""


class CacheEntryQuerySet(models.QuerySet["CacheEntry"]):
    def for_team(self, team_id: int) -> CacheEntryQuerySet:
        return self.filter(team_id=team_id)

    def for_scope(self, scope: CacheScope) -> CacheEntryQuerySet:
        """Entries of exactly this partition: a key-scoped request never reads team-wide
        entries written by other keys, and a team-scoped one never reads a key's."""
        qs = self.for_team(scope.team_id).filter(scope=scope.scope)
        if scope.scope == Scope.KEY:
            return qs.filter(key_id=scope.key_id)
        if scope.scope == Scope.SESSION:
            return qs.filter(session_id=scope.session_id)
        return qs

    @staticmethod
    def scope_condition(scope: CacheScope, alias: str) -> tuple[str, list[Any]]:
        """`for_scope` as a SQL condition on table alias `alias`, for the two lookups on the
        hit path, where compiling the ORM query cost more than running it. Kept beside
        `for_scope` so the two change together; the isolation property test runs the lookups
        built on it."""
        sql = f"{alias}.team_id = %s AND {alias}.scope = %s"
        params: list[Any] = [scope.team_id, scope.scope]
        if scope.scope == Scope.KEY:
            sql += f" AND {alias}.key_id = %s"
            params.append(scope.key_id)
        elif scope.scope == Scope.SESSION:
            sql += f" AND {alias}.session_id = %s"
            params.append(scope.session_id)
        return sql, params

    def live(self) -> CacheEntryQuerySet:
        return self.filter(expires_at__gt=timezone.now())

    def expired(self) -> CacheEntryQuerySet:
        return self.filter(expires_at__lte=timezone.now())

    def invalidate(self) -> int:
        """Delete these entries, and make every gateway process drop its in-memory copies
        of their teams' answers (semantic_cache/hot.py). Returns how many were deleted."""
        teams = set(self.order_by().values_list("team_id", flat=True).distinct())
        deleted, _ = self.delete()
        invalidate_teams(teams)
        return deleted

    def visible_to(self, user: AbstractBaseUser) -> CacheEntryQuerySet:
        if getattr(user, "is_superuser", False):
            return self
        return self.filter(team__in=Team.objects.visible_to(user))


class CacheEntry(models.Model):
    """One complete 2xx answer, stored in the caller's wire format (non-streamed body)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="cache_entries")
    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, null=True, blank=True, related_name="cache_entries")
    session_id = models.CharField(max_length=200, blank=True, default="")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.TEAM)
    route_name = models.CharField(max_length=200)
    wire = models.CharField(max_length=32)
    exact_key = models.CharField(max_length=64, help_text="sha256 of the canonical request")
    context_fingerprint = models.CharField(max_length=64, help_text="sha256 of everything but the current turn")
    template_version = models.CharField(max_length=200, blank=True, default="")
    embedding_model = models.CharField(max_length=200, blank=True, default="")
    embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True)
    # The embedding plus its partition's code, which the HNSW index is built on so that a
    # scan finds this partition's rows first (semantic_cache/search_space.py).
    search_vector = VectorField(dimensions=search_dim(EMBEDDING_DIM), null=True, blank=True, editable=False)
    query_text = models.TextField(blank=True, default="", help_text="The canonical current turn")
    response = models.JSONField(help_text="The non-streamed answer body in the caller's wire format")
    usage = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_hit_at = models.DateTimeField(null=True, blank=True)
    hit_count = models.PositiveIntegerField(default=0)

    objects = CacheEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "cache entries"
        constraints = [
            # One live answer per request per partition; a re-store replaces it. NULLs are
            # not distinct, so team-scoped entries (no key) are unique too.
            models.UniqueConstraint(
                fields=["team", "scope", "key", "session_id", "exact_key"],
                name="cacheentry_unique_partition_key",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["exact_key"], name="cacheentry_exact_key"),
            # The semantic pre-filter: every vector search narrows on these first.
            models.Index(
                fields=["team", "context_fingerprint", "embedding_model"],
                name="cacheentry_semantic_filter",
                condition=Q(embedding__isnull=False),
            ),
            models.Index(fields=["expires_at"], name="cacheentry_expires"),
            models.Index(fields=["team", "route_name"], name="cacheentry_team_route"),
            HnswIndex(
                name="cacheentry_search_hnsw",
                fields=["search_vector"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route_name} [{self.scope}] {self.query_text[:60] or self.exact_key[:12]}"

    def search_vector_for(self, embedding: Any, model_name: str) -> Any:
        """`search_vector` for this entry's partition with `embedding` from `model_name`."""
        code = partition_code(
            self.team_id, self.scope, self.key_id, self.session_id, self.context_fingerprint, self.wire, model_name
        )
        return search_vector(embedding, code)


class FewShotExampleQuerySet(models.QuerySet["FewShotExample"]):
    def enabled(self) -> FewShotExampleQuerySet:
        return self.filter(enabled=True)

    def needing_embedding(self, model_name: str) -> FewShotExampleQuerySet:
        return self.filter(Q(embedding__isnull=True) | ~Q(embedding_model=model_name))


class FewShotExample(models.Model):
    """An input/output pair offered to the `dynamic_few_shot` enhancement by similarity.

    Examples are the operator's, shared by every team (like enhancement texts); they are
    embedded in bulk by a Celery task after they are saved.
    """

    collection = models.CharField(max_length=100, default="default", db_index=True)
    input = models.TextField()
    output = models.TextField()
    enabled = models.BooleanField(default=True)
    embedding_model = models.CharField(max_length=200, blank=True, default="", editable=False)
    embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FewShotExampleQuerySet.as_manager()

    class Meta:
        ordering = ["collection", "id"]

    def __str__(self) -> str:
        return f"[{self.collection}] {self.input[:60]}"
