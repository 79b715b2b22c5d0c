"""The site's ASGI application around a set of gateway services.

HTTP goes to the lean wire handler for the wire endpoints and to Django's full stack (with
static files) for everything else, each request carrying the services (and the key
directory the management APIs' auth uses) in its scope; websockets go to the dashboard's
live feed. `asgi.py` builds it once for the server; tests build their own.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from analytics.routing import websocket_urlpatterns
from gateway.services import SCOPE_KEY, Services
from layercache_site.wire_handler import WireASGIHandler, gateway_application
from proxy.auth import DIRECTORY_SCOPE_KEY


def build_application(services: Services, django_asgi: Any) -> Any:
    entries = {SCOPE_KEY: services, DIRECTORY_SCOPE_KEY: services.directory}
    return ProtocolTypeRouter(
        {
            # Admin and dashboard assets come from the installed apps, so a single `serve` (or
            # one web container) needs no separate static-file server; API paths never reach it.
            "http": gateway_application(ASGIStaticFilesHandler(django_asgi), WireASGIHandler(), entries),
            "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
        }
    )
