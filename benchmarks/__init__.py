"""Benchmarks of cape under dbt run (python -m benchmarks.run); not tests."""
