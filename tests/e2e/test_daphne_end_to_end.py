"""The end-to-end tier: the gateway as deployed — a real Daphne process (layercache_site.asgi,
its start-up included) on the embedded Postgres and the machine's Redis, with the fake
provider over HTTP — driven by the official SDKs. Most gateway behaviour is tested in-process
(tests/inprocess.py); these tests keep what only the real server shows honest: its status
lines and framing, its process's logs, state shared through Postgres and Redis with the
test process."""

from __future__ import annotations

import socket
import time
from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.fake_provider import Fault
from tests.gateway_support import UPSTREAM_KEY, make_key, wait_for_records


@pytest.fixture
def plaintext(daphne_gateway: Any, routes: dict[str, Any]) -> str:
    return make_key()[1]


def test_the_sdks_get_answers_streams_and_hits(daphne_gateway: Any, plaintext: str, fake: Any) -> None:
    oai = openai.OpenAI(base_url=daphne_gateway.openai_base, api_key=plaintext, max_retries=0)
    ant = anthropic.Anthropic(base_url=daphne_gateway.base_url, api_key=plaintext, max_retries=0)
    answer = oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "end to end"}])
    assert answer.choices[0].message.content == "Answer to: end to end"
    chunks = list(
        oai.chat.completions.create(
            model="fake-claude", messages=[{"role": "user", "content": "stream it"}], stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Answer to: stream it"
    with ant.messages.stream(model="fake-gpt", max_tokens=50, messages=[{"role": "user", "content": "hi"}]) as stream:
        assert stream.get_final_text() == "Answer to: hi"
    events = list(oai.responses.create(model="fake-gpt", input="typed events", stream=True))
    assert events[-1].type == "response.completed"
    for _ in range(50):  # the first answer is stored right after it went out
        raw = oai.chat.completions.with_raw_response.create(
            model="fake-gpt", messages=[{"role": "user", "content": "end to end"}]
        )
        if raw.headers["x-layercache-cache"] == "HIT":
            break
        time.sleep(0.05)
    assert raw.headers["x-layercache-cache"] == "HIT"
    records = wait_for_records(5)
    assert {r.endpoint for r in records} >= {"chat.completions", "messages", "responses"}


def test_anthropic_events_keep_their_framing(daphne_gateway: Any, plaintext: str) -> None:
    body = {"model": "fake-claude", "max_tokens": 50, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.stream(
        "POST", f"{daphne_gateway.base_url}/v1/messages", json=body, headers={"x-api-key": plaintext}
    ) as response:
        raw = b"".join(response.iter_raw())
    events = [e for e in raw.split(b"\n\n") if e]
    assert events[0].startswith(b"event: message_start\ndata: {")
    assert events[-1].startswith(b"event: message_stop")


def test_a_429_has_its_reason_phrase_in_the_status_line(daphne_gateway: Any, plaintext: str, fake: Any) -> None:
    fake.inject(Fault.RATE_LIMIT)
    host, port = daphne_gateway.base_url.removeprefix("http://").split(":")
    body = b'{"model":"fake-gpt","messages":[{"role":"user","content":"x"}]}'
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {plaintext}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        status_line = connection.makefile("rb").readline()
    assert status_line.strip() == b"HTTP/1.1 429 Too Many Requests"


def test_no_key_reaches_the_servers_log(daphne_gateway: Any, plaintext: str) -> None:
    oai = openai.OpenAI(base_url=daphne_gateway.openai_base, api_key=plaintext, max_retries=0)
    oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "log me not"}])
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=daphne_gateway.openai_base, api_key=plaintext + "x", max_retries=0).models.list()
    log = daphne_gateway.log()
    assert plaintext not in log and UPSTREAM_KEY not in log
