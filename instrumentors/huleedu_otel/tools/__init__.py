"""Tools around the distribution: the ``huleedu-otel`` CLI (``cli``: one sub-command per tool),
``doctor`` (the resolved configuration and an endpoint check), ``demo`` (the whole story on
embedded servers) and ``examples`` (the example essay service the demo and the compose stack run).
A new CLI command gets a module here and a sub-parser in ``cli``.
"""
