"""Read side: events in, networkx graphs and read models out, as of any date.

Nothing here writes to the store. ``ReadModel(app).catch_up()`` gives an :class:`OrgState`; the
query modules answer questions about it:

- :mod:`.structure` — units as of a date, the org graph
- :mod:`.holders` — who holds a responsibility, the responsibility graph
- :mod:`.details` — one unit or responsibility in detail
- :mod:`.changes` — diff between dates, history of one subject, change dates
- :mod:`.search` — find by any name (current, former, future), scope, note or quote
  (:mod:`.textsearch`: what matches and how it ranks)
"""
