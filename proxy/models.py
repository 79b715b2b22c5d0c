"""Teams, memberships, API keys and model routes.

Every model that belongs to a team has a queryset method `for_team(team)`; endpoints and
admin scope their queries through it and nowhere else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from proxy.verifier_spec import validate_verifier_spec

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class TeamQuerySet(models.QuerySet["Team"]):
    def visible_to(self, user: AbstractBaseUser) -> TeamQuerySet:
        if getattr(user, "is_superuser", False):
            return self
        return self.filter(memberships__user=user).distinct()


class Team(models.Model):
    class CacheScope(models.TextChoices):
        TEAM = "team", "Team"
        KEY = "key", "API key"
        SESSION = "session", "Session"

    name = models.CharField(max_length=100, unique=True)
    # The default isolation of response-cache entries; a request may only narrow it.
    cache_scope = models.CharField(max_length=10, choices=CacheScope.choices, default=CacheScope.TEAM)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class ModelRouteQuerySet(models.QuerySet["ModelRoute"]):
    def enabled(self) -> ModelRouteQuerySet:
        return self.filter(enabled=True)


class ModelRoute(models.Model):
    """A public model name and how to reach it upstream."""

    class Kind(models.TextChoices):
        CHAT = "chat", "Chat"
        EMBEDDING = "embedding", "Embedding"

    class AnthropicTtl(models.TextChoices):
        FIVE_MINUTES = "5m", "5 minutes"
        ONE_HOUR = "1h", "1 hour"

    name = models.CharField(max_length=200, unique=True, help_text="Model name clients send.")
    model = models.CharField(max_length=300, help_text="LiteLLM model string, e.g. openai/gpt-4o.")
    api_base = models.CharField(max_length=500, blank=True)
    api_key_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding the provider key."
    )
    price_input = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0), help_text="USD / 1M tokens")
    price_cached_input = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0))
    price_cache_write = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0))
    price_output = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0))
    timeout_seconds = models.FloatField(default=120.0)
    retries = models.PositiveSmallIntegerField(default=0, help_text="Extra attempts on the same route.")
    min_cacheable_tokens = models.PositiveIntegerField(default=1024)
    hoist_volatile = models.BooleanField(default=True, help_text="Move timestamps/ids out of the cached prefix.")
    anthropic_cache_ttl = models.CharField(
        max_length=2, choices=AnthropicTtl.choices, default=AnthropicTtl.FIVE_MINUTES
    )
    max_session_tokens = models.PositiveIntegerField(null=True, blank=True)
    # Response cache (semantic_cache/): a tool-call answer depends on state the gateway
    # cannot see (what the tool would return now), so it is cached only where allowed.
    cache_tool_calls = models.BooleanField(
        default=False, help_text="Store answers that call tools in the response cache."
    )
    semantic_cache_enabled = models.BooleanField(
        default=True, help_text="Serve answers of similar (not identical) prompts."
    )
    semantic_cache_threshold = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Cosine similarity a semantic hit needs; empty = the default (docs/semantic-threshold.md).",
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.CHAT,
        help_text="Chat models answer /v1/chat/completions, /v1/messages and /v1/responses; "
        "embedding models answer /v1/embeddings.",
    )
    semantic_verifier = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_verifier_spec],
        help_text=(
            "Verifier stages a semantic hit must pass, in order, e.g. language,guards,words or strict; "
            "empty = LAYERCACHE_SEMANTIC_VERIFIER (docs/semantic-threshold.md)."
        ),
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModelRouteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RouteFallback(models.Model):
    """Ordered fallbacks: tried in `position` order on 429, 5xx and timeouts."""

    route = models.ForeignKey(ModelRoute, on_delete=models.CASCADE, related_name="fallback_links")
    fallback = models.ForeignKey(ModelRoute, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "fallback"], name="fallback_unique_pair"),
            models.CheckConstraint(condition=~Q(route=models.F("fallback")), name="fallback_not_self"),
        ]


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def for_team(self, team: Team) -> ApiKeyQuerySet:
        return self.filter(team=team)

    def usable(self) -> ApiKeyQuerySet:
        now = timezone.now()
        return self.filter(revoked=False).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiKey(models.Model):
    """A client key. Only an HMAC of the key is stored; the key is shown once."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.ManyToManyField(
        ModelRoute, blank=True, related_name="+", help_text="Routes this key may use; none selected = all."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    rpm_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Requests per minute.")
    tpm_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Tokens per minute.")
    monthly_budget_usd = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "revoked"], name="apikey_team_revoked")]

    def __str__(self) -> str:
        return f"{self.name or 'key'} ({self.prefix}…)"
