"""Benchmarks: each module `bench/<name>.py` has a `main()` that prints its figures."""

OPTIONS: set[str] = set()
"""The options given on the command line (`python -m bench push --profile` -> {"profile"})."""
