"""Benchmarks: each measures Hearth and its baselines in the same run and prints ratios."""
