"""Chart commands (chart, graph, diff-chart, timeline): thin wrappers over orgevents.diagrams."""

from __future__ import annotations
