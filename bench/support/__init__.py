"""Shared set-up for the benchmarks (not a benchmark itself)."""
