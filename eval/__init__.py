"""Evaluation: benchmark loaders, the streaming runner, scorers, the synthetic suite, benchmarks."""
