"""What the HTTP service is configured with: the store, who may write, and the limits.

From the environment (``Settings.from_env``), as ``orgevents serve`` and every uvicorn worker
read it:

- ``ORGEVENTS_STORE`` — the store URL (default: ``sqlite:///orgevents.db``).
- ``ORGEVENTS_TOKEN`` — bearer tokens allowed to write, comma-separated, each ``NAME:SECRET`` or
  just ``SECRET``. NAME is recorded as who wrote the events (``ORGEVENTS_RECORDER``, or ``api``,
  for a bare SECRET). Unset or empty: the server is read-only.
- ``ORGEVENTS_MAX_BODY`` — the largest request body accepted, in bytes (default 1 MiB).
- ``ORGEVENTS_RENDER_TIMEOUT`` — seconds one chart may take to draw (default 10).
- ``ORGEVENTS_AUDIT_MAX_DAYS`` — the longest date range one ``/api/audit`` request may cover
  (default 3,660 days).
- ``ORGEVENTS_SIGNING_KEY`` — a private key file (``orgevents keys new``): writes sign their
  heads, ``/api/verify`` checks them and ``/api/checkpoint`` hands out the newest.
- ``ORGEVENTS_CORS_ORIGINS`` — origins allowed to call the API from a browser, comma-separated
  (default none: CORS is off).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_RECORDER = "api"
MAX_BODY = 1024 * 1024
RENDER_TIMEOUT = 10.0
AUDIT_MAX_DAYS = 3660


@dataclass(frozen=True)
class Settings:
    store_url: str | None = None
    tokens: Mapping[str, str] = field(default_factory=dict)  # secret → recorder name
    max_body: int = MAX_BODY
    render_timeout: float = RENDER_TIMEOUT
    cors_origins: tuple[str, ...] = ()
    audit_max_days: int = AUDIT_MAX_DAYS
    signing_key: str | None = None  # a private key file

    @property
    def read_only(self) -> bool:
        return not self.tokens

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            store_url=env.get("ORGEVENTS_STORE") or None,
            tokens=parse_tokens(
                env.get("ORGEVENTS_TOKEN", ""),
                env.get("ORGEVENTS_RECORDER") or DEFAULT_RECORDER,
            ),
            max_body=int(env.get("ORGEVENTS_MAX_BODY") or MAX_BODY),
            render_timeout=float(env.get("ORGEVENTS_RENDER_TIMEOUT") or RENDER_TIMEOUT),
            cors_origins=tuple(
                o.strip() for o in env.get("ORGEVENTS_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            audit_max_days=int(env.get("ORGEVENTS_AUDIT_MAX_DAYS") or AUDIT_MAX_DAYS),
            signing_key=env.get("ORGEVENTS_SIGNING_KEY") or None,
        )


def parse_tokens(text: str | None, recorder: str = DEFAULT_RECORDER) -> dict[str, str]:
    """``"alice:s3cret,bob:other"`` → ``{"s3cret": "alice", "other": "bob"}``; a bare secret is
    recorded as ``recorder``."""
    tokens: dict[str, str] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, secret = item.partition(":")
        if not sep:
            name, secret = recorder, item
        name, secret = name.strip(), secret.strip()
        if not name or not secret:
            raise ValueError(
                "ORGEVENTS_TOKEN must be NAME:SECRET or SECRET, comma-separated; "
                f"got an entry with an empty {'name' if not name else 'secret'}"
            )
        tokens[secret] = name
    return tokens
