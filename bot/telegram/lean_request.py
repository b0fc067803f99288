"""The bot's Bot API calls over httpcore directly, skipping httpx's client layer.

python-telegram-bot's `HTTPXRequest` sends each call through httpx, whose client builds
and checks a full request object, cookies, redirects and auth hooks around httpcore, the
library that does the HTTP. For the bot's small form-encoded calls that layer was about a
sixth of the bot's time under load. Here those calls go to an httpcore connection pool
with the same limits, timeouts and TLS checks; calls that upload a file (a calendar file,
an export) and every call when a proxy is configured still go through httpx.
"""

from __future__ import annotations

import urllib.request

import httpcore
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

from bot.telegram.asyncio_network import AsyncioBackend

_POOL_FULL = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram."
)


class LeanRequest(HTTPXRequest):
    """`HTTPXRequest`, with plain calls sent straight over an httpcore connection pool."""

    def __init__(self, connection_pool_size: int, pool_timeout: float) -> None:
        super().__init__(connection_pool_size=connection_pool_size, pool_timeout=pool_timeout)
        self._size = connection_pool_size
        # httpx honours HTTPS_PROXY and the like; with a proxy set, everything goes its way.
        self._direct = not urllib.request.getproxies()
        self._pool: httpcore.AsyncConnectionPool | None = None
        self._timeouts = {
            "connect": self._client.timeout.connect,
            "read": self._client.timeout.read,
            "write": self._client.timeout.write,
            "pool": self._client.timeout.pool,
        }

    async def initialize(self) -> None:
        """Open httpx's client (for files) and the direct connection pool."""
        await super().initialize()
        if self._direct and self._pool is None:
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=httpx.create_ssl_context(),  # the same checks as httpx's
                max_connections=self._size,
                max_keepalive_connections=self._size,
                keepalive_expiry=5.0,  # httpx's default
                http1=True,
                http2=False,
                network_backend=AsyncioBackend(),
            )

    async def shutdown(self) -> None:
        """Close both."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.aclose()
        await super().shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = HTTPXRequest.DEFAULT_NONE,
        write_timeout: object = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: object = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: object = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one call: directly if it has no file (and no proxy is set), else via httpx."""
        if self._pool is None or (request_data is not None and request_data.contains_files):
            return await super().do_request(
                url, method, request_data,
                read_timeout, write_timeout, connect_timeout, pool_timeout,  # type: ignore[arg-type]
            )  # fmt: skip
        timeouts = dict(self._timeouts)
        given = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                 "pool": pool_timeout}  # fmt: skip
        for key, value in given.items():
            if value is None or isinstance(value, int | float):  # else: the default
                timeouts[key] = value
        body = request_data.url_encoded_parameters().encode() if request_data else b""
        headers = [
            (b"User-Agent", self.USER_AGENT.encode()),
            (b"Content-Type", b"application/x-www-form-urlencoded"),
            (b"Content-Length", str(len(body)).encode()),
        ]
        try:
            response = await self._pool.request(
                method, url, headers=headers, content=body, extensions={"timeout": timeouts}
            )
        except httpcore.PoolTimeout as err:
            raise TimedOut(message=_POOL_FULL) from err
        except httpcore.TimeoutException as err:
            raise TimedOut from err
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as err:
            raise NetworkError(f"httpcore.{err.__class__.__name__}: {err}") from err
        return response.status, response.content
