"""Benchmarks (``make bench``): each ``bench/bench_*.py`` module has a ``main()`` that prints its
figures, with ratios against a baseline measured in the same run. Not part of ``make test``."""
