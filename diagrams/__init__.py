"""Graphs in, Graphviz out: the only code that runs ``dot``."""
