"""Benchmarks: accuracy and speed, printed, never asserted as time limits."""
