from __future__ import annotations

from django.urls import path

from analytics.consumers import LiveFeedConsumer

websocket_urlpatterns = [path("dashboard/live", LiveFeedConsumer.as_asgi())]
