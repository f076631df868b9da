"""orgevents: organisational history as immutable, sourced, effective-dated events.

Write side (this package): domain events (:mod:`orgevents.events`), aggregates
(:mod:`orgevents.units`, :mod:`orgevents.responsibilities`, :mod:`orgevents.decisions`),
cross-aggregate rules (:mod:`orgevents.rules`), the application (:mod:`orgevents.application`),
stores (:mod:`orgevents.store`) and the load format (:mod:`orgevents.importing`).
Read side: :mod:`orgevents.projections`. Charts: :mod:`orgevents.diagrams`.
"""

__version__ = "0.1.0"
