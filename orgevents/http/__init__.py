"""The HTTP service: a JSON API mirroring the CLI, chart images, writes in the load-file format,
and a web page for exploring the history by date.

``create_app(store_url, token)`` builds one FastAPI app; ``orgevents serve`` hands
``app_from_env`` to uvicorn, which builds one app per worker. Nothing is built at import time.

- :mod:`.settings` — what the app is configured with (store, tokens, limits), from the environment
- :mod:`.service` — the store and the read model one worker shares between requests
- :mod:`.params` — the query parameters every read endpoint takes (``at``, ``known_at``)
- :mod:`.routes_read`, :mod:`.routes_charts`, :mod:`.routes_write` — the endpoints
- :mod:`.security` — bearer tokens, security headers (a strict Content-Security-Policy)
- :mod:`.app` — the composition root: routes, error mapping, the page and the API docs
"""
