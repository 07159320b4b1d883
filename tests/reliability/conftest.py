"""The reliability suite: faults injected into real servers, bad input, secrets, cardinality.

Each test states the fault, the load and what must hold. Longer soaks are marked ``slow`` and
run with ``--run-slow``; the default run stays within a few minutes for CI.
"""
