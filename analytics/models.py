"""One row per gateway request: what it cost, what caching saved, how long it took."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from proxy.models import ApiKey, ModelRoute, Team


class RequestRecordQuerySet(models.QuerySet["RequestRecord"]):
    def for_team(self, team: Team) -> RequestRecordQuerySet:
        return self.filter(team=team)


class RequestRecord(models.Model):
    request_id = models.CharField(max_length=100, db_index=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, null=True, on_delete=models.SET_NULL, related_name="+")
    route = models.ForeignKey(ModelRoute, null=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too: the route may be renamed or deleted, the record must still read.
    route_name = models.CharField(max_length=200, blank=True)
    served_by = models.CharField(max_length=200, blank=True, help_text="Route that answered (fallbacks).")
    endpoint = models.CharField(max_length=50)
    stream = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField()
    error_type = models.CharField(max_length=100, blank=True)
    cache_status = models.CharField(max_length=20, blank=True)
    input_tokens = models.PositiveIntegerField(default=0, help_text="All prompt tokens, cached ones included.")
    cached_read_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=14, decimal_places=8, default=Decimal(0))
    saved_usd = models.DecimalField(max_digits=14, decimal_places=8, default=Decimal(0))
    latency_ms = models.FloatField(default=0)
    ttfb_ms = models.FloatField(null=True, blank=True)
    upstream_attempts = models.PositiveSmallIntegerField(default=0)
    session_id = models.CharField(max_length=200, blank=True)
    # "name@version" of the prompt template the request used, for per-version usage.
    template_version = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = RequestRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "created_at"], name="record_team_created"),
            models.Index(fields=["api_key", "created_at"], name="record_key_created"),
            models.Index(fields=["template_version"], name="record_template_version"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.route_name} {self.status}"
