"""Twisted's form parsing is off in the server, and form posts still reach Django whole."""

from __future__ import annotations

import re
from typing import Any

import httpx

from layercache_site.daphne_tuning import skip_twisted_form_parsing


def test_daphne_requests_skip_twisted_form_parsing() -> None:
    from daphne.http_protocol import WebRequest

    skip_twisted_form_parsing()
    skip_twisted_form_parsing()  # idempotent: no wrapper around a wrapper

    class Server:
        def protocol_connected(self, request: Any) -> None:
            pass

    class Factory:
        server = Server()

    class Channel:
        transport = None
        factory = Factory()

        def getPeer(self) -> None:
            return None

        def getHost(self) -> None:
            return None

    request = WebRequest(Channel())
    assert request._parsePOSTFormSubmission is False


def test_a_urlencoded_form_post_still_reaches_django_through_daphne(gateway: Any) -> None:
    with httpx.Client(base_url=gateway.base_url) as client:
        page = client.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None
        answer = client.post(
            "/admin/login/",
            data={"csrfmiddlewaretoken": token.group(1), "username": "nobody", "password": "wrong"},
            headers={"referer": f"{gateway.base_url}/admin/login/"},
        )
    # Django read the fields (a CSRF failure would be 403, an empty body "field required").
    assert answer.status_code == 200
    assert "Please enter the correct username and password" in answer.text
