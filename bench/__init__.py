"""The benchmark's bare Temporal baseline (``bench.baseline``); ``scripts/bench.py`` runs it."""
