"""Benchmarks: each compares the bare code path, ours and the upstream or peer alternative.

Run them all with ``python -m benchmarks`` (or ``make bench``); name some to run only those:
``python -m benchmarks sdk_floor``. They print numbers and ratios and never fail on a timing.
"""
