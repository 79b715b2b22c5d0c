"""The dashboard: totals per team the user belongs to (all teams for superusers)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analytics.models import RequestRecord
from proxy.models import Team


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.user)  # type: ignore[arg-type]
    rows = (
        RequestRecord.objects.filter(team__in=teams)
        .values("team__name", "route_name")
        .annotate(
            requests=Count("id"),
            input_tokens=Sum("input_tokens"),
            cached=Sum("cached_read_tokens"),
            output_tokens=Sum("output_tokens"),
            cost=Sum("cost_usd"),
            saved=Sum("saved_usd"),
        )
        .order_by("team__name", "route_name")
    )
    return render(request, "analytics/dashboard.html", {"rows": rows})
