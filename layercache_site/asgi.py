"""ASGI entry point: Django over Channels (HTTP, and websockets for the live dashboard)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "layercache_site.settings")
django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from analytics.routing import websocket_urlpatterns  # noqa: E402
from layercache_site.daphne_tuning import skip_twisted_form_parsing  # noqa: E402
from layercache_site.wire_handler import WireASGIHandler, route_wire_requests  # noqa: E402
from proxy import transport  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Admin and dashboard assets come from the installed apps, so a single `serve` (or one
        # web container) needs no separate static-file server; the API paths never reach it.
        "http": route_wire_requests(ASGIStaticFilesHandler(django_asgi), WireASGIHandler()),
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)

skip_twisted_form_parsing()

# This module is the server's entry point, so the ~2 s LiteLLM import happens here, before
# the port opens, rather than inside the first request that needs a cross-format call.
transport.warm_up()
