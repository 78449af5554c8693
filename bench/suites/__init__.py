"""Benchmark suites; each exposes run(report, argv)."""
