"""Status lines with their reason phrases for every standard status.

Twisted (under Daphne) writes the status line from its own table, which lacks some codes
the gateway sends, 429 among them: clients saw `429 Unknown Status`. The missing phrases
are filled in from Python's `http.HTTPStatus`, in the server process, before any request.
"""

from __future__ import annotations

import http


def add_missing_reason_phrases() -> None:
    from twisted.web import http as twisted_http

    for status in http.HTTPStatus:
        twisted_http.RESPONSES.setdefault(status.value, status.phrase.encode("ascii"))
