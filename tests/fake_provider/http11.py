"""A minimal asyncio HTTP/1.1 server: keep-alive, fixed-length and chunked bodies.

It knows nothing about LLM providers; a handler turns an HttpRequest into an
HttpResponse or a StreamingResponse. Streamed bodies use chunked encoding so that
closing the connection early is visible to the client as a truncated body (which
is how a cut upstream stream looks), not as a clean end of data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus


class StreamCut(Exception):
    """Raised by a streaming body to drop the connection without the final chunk."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"
    cut: bool = False  # send the headers and half the body, then close


@dataclass(frozen=True)
class StreamingResponse:
    status: int
    chunks: AsyncGenerator[bytes, None]
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "text/event-stream; charset=utf-8"


Handler = Callable[[HttpRequest], Awaitable[HttpResponse | StreamingResponse]]

_MAX_HEADER_BYTES = 64 * 1024


class _BadRequest(Exception):
    pass


def _status_line(status: int) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Overloaded" if status == 529 else "Unknown"
    return f"HTTP/1.1 {status} {reason}\r\n".encode()


def _head(status: int, content_type: str, headers: tuple[tuple[str, str], ...], framing: str) -> bytes:
    lines = [f"content-type: {content_type}\r\n", framing]
    lines.extend(f"{name}: {value}\r\n" for name, value in headers)
    return _status_line(status) + "".join(lines).encode("latin-1") + b"\r\n"


class HttpServer:
    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self.handler = handler
        self.host = host
        self.port = port  # the bound port once started
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Start listening; returns the bound port (useful when port is 0)."""
        self._server = await asyncio.start_server(
            self._serve_connection,
            self.host,
            self.port,
            backlog=1024,
            limit=_MAX_HEADER_BYTES,
        )
        port: int = self._server.sockets[0].getsockname()[1]
        self.port = port
        return port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        # Python 3.11's Server.close() leaves accepted connections open.
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            keep_alive = True
            while keep_alive:
                try:
                    request, keep_alive = await _read_request(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                except (_BadRequest, asyncio.LimitOverrunError, ValueError) as exc:
                    await _write_plain_error(writer, 400, str(exc) or "Bad request")
                    return
                if request is None:
                    return
                try:
                    response = await self.handler(request)
                except Exception as exc:
                    # A handler bug must reach the client as a 500, not a hang,
                    # and the log as a traceback.
                    await _write_plain_error(writer, 500, f"fake provider bug: {exc!r}")
                    raise
                if not await _write_response(writer, response, keep_alive):
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[HttpRequest | None, bool]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None, False  # the client closed an idle keep-alive connection
        raise
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(f"Malformed request line: {lines[0][:100]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise _BadRequest(f"Malformed header line: {line[:100]!r}")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
    path, _, query = target.partition("?")
    return HttpRequest(method.upper(), path, query, headers, body), keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    pieces: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers are not used
            return b"".join(pieces)
        pieces.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _write_response(
    writer: asyncio.StreamWriter,
    response: HttpResponse | StreamingResponse,
    keep_alive: bool,
) -> bool:
    """Write one response; returns whether the connection may serve another."""
    extra = response.headers if keep_alive else (*response.headers, ("connection", "close"))
    if isinstance(response, HttpResponse):
        framing = f"content-length: {len(response.body)}\r\n"
        head = _head(response.status, response.content_type, extra, framing)
        if response.cut:
            writer.write(head + response.body[: len(response.body) // 2])
            await writer.drain()
            return False
        writer.write(head + response.body)
        await writer.drain()
        return keep_alive
    writer.write(
        _head(
            response.status,
            response.content_type,
            extra,
            "transfer-encoding: chunked\r\n",
        )
    )
    try:
        async for chunk in response.chunks:
            if chunk:
                writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                await writer.drain()
    except StreamCut:
        await writer.drain()
        return False
    finally:
        await response.chunks.aclose()
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return keep_alive


async def _write_plain_error(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = json.dumps({"error": {"message": message, "type": kind}}).encode()
    writer.write(
        _head(
            status,
            "application/json",
            (("connection", "close"),),
            f"content-length: {len(body)}\r\n",
        )
        + body
    )
    with contextlib.suppress(ConnectionError):
        await writer.drain()
