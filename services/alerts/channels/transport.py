"""The HTTP client alert channels send through: every connection is made to an address the guard just checked.

httpx would resolve a host itself, after our check and possibly to another address (DNS rebinding). Here
the connection pool's network backend asks the `Guard` for the host's checked addresses and connects to
those only; TLS still verifies the certificate against the host name. No proxy from the environment is
used (a proxy would resolve the name itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import httpcore
import httpx

from telltale_server.services.alerts.destinations import Guard


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve and check through the guard, then connect to the first checked address that answers."""

    def __init__(self, guard: Guard, backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.guard.addresses(host)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        failure: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            try:
                return await self.backend.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(self, *args: object, **kwargs: object) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("alert channels do not use Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.backend.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool built on the guarded backend."""

    def __init__(self, guard: Guard, backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=GuardedBackend(guard, backend)
        )


def guarded_client(
    timeout_s: float, allow: Sequence[str], transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The client channels send with (tests may give a transport of their own); redirects are never followed."""
    return httpx.AsyncClient(
        timeout=timeout_s,
        transport=transport or GuardedTransport(Guard(tuple(allow))),
        follow_redirects=False,
        trust_env=False,
    )
