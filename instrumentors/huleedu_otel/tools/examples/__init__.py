"""Example services shipped with the package, so ``huleedu-otel demo`` can run them anywhere."""
