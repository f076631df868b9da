"""Converters that turn public registers into orgevents load entries (see ``france``)."""
