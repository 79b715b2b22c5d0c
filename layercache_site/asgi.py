"""ASGI entry point: Django over Channels (HTTP, and websockets for the live dashboard).

Start-up builds the gateway's services once (gateway/services.py) and puts them in every
request's scope; nothing on the request path reaches for module-level state instead.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "layercache_site.settings")
django_asgi = get_asgi_application()

from gateway.services import build_services  # noqa: E402
from layercache_site.application import build_application  # noqa: E402
from layercache_site.daphne_tuning import skip_twisted_form_parsing  # noqa: E402
from layercache_site.reason_phrases import add_missing_reason_phrases  # noqa: E402

services = build_services()
application = build_application(services, django_asgi)

skip_twisted_form_parsing()
add_missing_reason_phrases()

# This module is the server's entry point, so the ~2 s LiteLLM import happens here, before
# the port opens, rather than inside the first request that needs a translated call.
services.transport.litellm()
