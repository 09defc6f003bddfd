"""Benchmark tools: data generator, load driver and the floor app (not part of the app)."""
