"""ASGI entry point: Django over Channels (HTTP, and websockets for the live dashboard).

Start-up builds the gateway's services once (gateway/services.py) and puts them in every
request's scope; nothing on the request path reaches for module-level state instead.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "layercache_site.settings")
django_asgi = get_asgi_application()

from typing import Any  # noqa: E402

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from analytics.routing import websocket_urlpatterns  # noqa: E402
from gateway.services import SCOPE_KEY, Services, build_services  # noqa: E402
from layercache_site.daphne_tuning import skip_twisted_form_parsing  # noqa: E402
from layercache_site.reason_phrases import add_missing_reason_phrases  # noqa: E402
from layercache_site.wire_handler import WireASGIHandler, gateway_application  # noqa: E402
from proxy.auth import DIRECTORY_SCOPE_KEY  # noqa: E402


def build_application(services: Services) -> Any:
    entries = {SCOPE_KEY: services, DIRECTORY_SCOPE_KEY: services.directory}
    return ProtocolTypeRouter(
        {
            # Admin and dashboard assets come from the installed apps, so a single `serve` (or
            # one web container) needs no separate static-file server; API paths never reach it.
            "http": gateway_application(ASGIStaticFilesHandler(django_asgi), WireASGIHandler(), entries),
            "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
        }
    )


services = build_services()
application = build_application(services)

skip_twisted_form_parsing()
add_missing_reason_phrases()

# This module is the server's entry point, so the ~2 s LiteLLM import happens here, before
# the port opens, rather than inside the first request that needs a translated call.
services.transport.litellm()
