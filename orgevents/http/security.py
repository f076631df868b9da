"""Who may write (bearer tokens) and the headers every response carries.

The Content-Security-Policy allows scripts, styles and data only from the server itself: no
inline script, no event-handler attribute, no inline style, no plug-ins, no framing. So even a
chart SVG that somehow carried a script could not run it — inline in the page or opened on its
own (the SVG responses carry the same policy).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from fastapi import HTTPException, Request, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # An unexpected error: Starlette's outermost middleware would answer 500 without
            # these headers, so answer here (it then only logs the error).
            if not started:
                body = b'{"detail":"internal server error"}'
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send_with_headers(
                    {"type": "http.response.start", "status": 500, "headers": headers}
                )
                await send_with_headers({"type": "http.response.body", "body": body})
            raise


def recorder_for(request: Request, tokens: Mapping[str, str]) -> str:
    """The name to record writes under, from the request's bearer token.

    No tokens configured: 403 (the server is read-only). No or malformed Authorization header:
    401. A token that is not configured: 403.
    """
    if not tokens:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "this server is read-only: start it with ORGEVENTS_TOKEN set to accept writes",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "writing needs a bearer token: send 'Authorization: Bearer TOKEN'",
            headers={"WWW-Authenticate": 'Bearer realm="orgevents"'},
        )
    found = None
    for secret, name in tokens.items():  # compare with every token, in constant time
        if hmac.compare_digest(secret.encode(), given.encode()):
            found = name
    if found is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this token may not write to this server")
    return found
