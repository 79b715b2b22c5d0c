"""The HTTP/1.1 layer: keep-alive, framing, malformed input, the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from .provider import FakeProvider

BODY = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).encode()
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%b" % (len(BODY), BODY)
)


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[bytes, bytes]:
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    buffer[:] = rest[length:]
    return head, rest[:length]


def test_one_connection_serves_several_requests(fake: FakeProvider) -> None:
    with socket.create_connection(("127.0.0.1", fake.port)) as sock:
        buffer = bytearray()
        sock.sendall(REQUEST + REQUEST)  # pipelined, too
        for _ in range(2):
            head, body = read_response(sock, buffer)
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert json.loads(body)["choices"][0]["message"]["content"] == "Answer to: hi"
        sock.sendall(REQUEST)
        assert read_response(sock, buffer)[0].startswith(b"HTTP/1.1 200")
    assert len(fake.received) == 3


def test_connection_close_is_honoured(fake: FakeProvider) -> None:
    with socket.create_connection(("127.0.0.1", fake.port)) as sock:
        sock.sendall(REQUEST.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200") and b"connection: close" in data


def test_malformed_request_line_gets_a_400(fake: FakeProvider) -> None:
    with socket.create_connection(("127.0.0.1", fake.port)) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400")


def test_chunked_request_bodies_are_read(fake: FakeProvider) -> None:
    def body() -> Iterator[bytes]:
        yield BODY[:10]
        yield BODY[10:]

    response = httpx.post(
        f"{fake.openai_base}/chat/completions",
        content=body(),
        headers={"authorization": "Bearer k"},
    )
    assert response.status_code == 200


def test_cli_serves_until_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fake_provider",
            "--port",
            str(port),
            "--chunks",
            "2",
        ],
        cwd=root,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/v1/chat/completions",
                    content=BODY,
                    headers={"authorization": "Bearer k"},
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "CLI server did not start"
                time.sleep(0.05)
        assert response.json()["choices"][0]["message"]["content"] == "Answer to: hi"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
