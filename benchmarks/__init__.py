"""Benchmarks of the OneMap servers against other implementations (`python -m benchmarks.features`)."""
