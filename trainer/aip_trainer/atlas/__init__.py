"""The model atlas's trainer side: per-model signatures over a shared probe set, and distances between
them (``kind: atlas``, job.py)."""
