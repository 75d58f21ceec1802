"""Benchmarks of the two examples: each figure is a ratio against a baseline run beside it.

``python -m bench`` runs them all and writes ``bench/RESULTS.md``; ``--smoke`` runs each in a
tiny mode (seconds) to prove it works; ``--only NAME`` runs one. See :mod:`bench.__main__`.
"""
