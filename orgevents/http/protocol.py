"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

With ``--workers`` above 1, uvicorn binds the listening socket itself without naming the
protocol (``socket.socket(family)``), so asyncio does not recognise the connections it accepts as
TCP and leaves ``TCP_NODELAY`` unset. A response is written as two segments (headers, body);
with Nagle on, the body waits for the client's delayed acknowledgement of the headers — about
40 ms per request on Linux. Setting the option when a connection is made removes the wait, with
one worker or many. (The protocol is h11's, the one uvicorn's declared dependencies bring.)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

TCP = (socket.AF_INET, socket.AF_INET6)


def no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in TCP:
        with contextlib.suppress(OSError):  # not a TCP socket after all: nothing to turn off
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: Any) -> None:
        no_delay(transport)
        super().connection_made(transport)
