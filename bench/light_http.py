"""A minimal HTTP/1.1 keep-alive client for load generation on loopback.

The benchmark's load generator shares the server's two cores: httpx spent ~1.5-2 ms of CPU per
request, a fifth of a core at 100 requests/s, taken from the server it measures. This client
writes the request bytes itself and reads only the status line, headers and body length.
"""

from __future__ import annotations

import asyncio
import json


class _Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def post(self, head: bytes, body: bytes) -> tuple[int, bool]:
        """Send one request; (status, whether the server keeps the connection open)."""
        self.writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, keep = 0, False, True
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = b"close" not in value.lower()
        if chunked:
            while size := int((await self.reader.readline()).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            await self.reader.readexactly(length)
        return status, keep

    def close(self) -> None:
        """Close the socket."""
        self.writer.close()


class LightClient:
    """POSTs JSON to one server over a pool of keep-alive connections, opened as needed."""

    def __init__(self, host: str, port: int, *, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._headers = f"Host: {host}:{port}\r\nContent-Type: application/json\r\n{extra}".encode()
        self._idle: list[_Connection] = []

    async def post_json(self, path: str, payload: object) -> int:
        """POST `payload` as JSON to `path`; the response status."""
        head = f"POST {path} HTTP/1.1\r\n".encode() + self._headers
        body = json.dumps(payload).encode()
        while self._idle:  # a kept-alive connection the server has since closed: try the next
            conn = self._idle.pop()
            try:
                status, keep = await conn.post(head, body)
                break
            except ConnectionResetError:
                conn.close()
        else:
            conn = _Connection(*await asyncio.open_connection(self.host, self.port))
            try:
                status, keep = await conn.post(head, body)
            except BaseException:
                conn.close()
                raise
        if keep:
            self._idle.append(conn)
        else:
            conn.close()
        return status

    def close(self) -> None:
        """Close every idle connection."""
        for conn in self._idle:
            conn.close()
        self._idle.clear()
