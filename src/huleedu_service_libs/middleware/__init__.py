"""Framework middleware: the seed's import paths, backed by the ``huleedu_quart`` instrumentor."""
