"""Daphne's Twisted requests without Twisted's form parsing.

Twisted parses the body of every urlencoded or multipart POST into `request.args`, and to
decide whether to, parses the Content-Type of every POST with the `email` package: ~5% of
the CPU of a response-cache hit in a py-spy profile (docs/benchmarks.md). Daphne never reads
`args`: the ASGI application gets the raw body, which Django parses itself (admin forms
included). Twisted's own switch for this is `Request(parsePOSTFormSubmission=False)`, which
Daphne does not expose, so it is set here, in the server process, before any request.
"""

from __future__ import annotations

from typing import Any


def skip_twisted_form_parsing() -> None:
    from daphne.http_protocol import WebRequest

    original = WebRequest.__init__
    if getattr(original, "skips_form_parsing", False):
        return

    def __init__(self: WebRequest, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original(self, *args, **kwargs)

    __init__.skips_form_parsing = True  # type: ignore[attr-defined]
    WebRequest.__init__ = __init__
