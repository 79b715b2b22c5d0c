from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from layercache_site import views
from layercache_site.api import build_api

api = build_api()

urlpatterns = [
    path("health", views.health),
    path("admin/", admin.site.urls),
    path("v1/", api.urls),
    path("", include("django_prometheus.urls")),
    path("dashboard/", include("analytics.urls")),
]

handler404 = "layercache_site.views.not_found"
handler500 = "layercache_site.views.server_error"
