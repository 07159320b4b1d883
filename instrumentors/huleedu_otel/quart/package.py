"""The Quart versions this instrumentor supports (checked by ``BaseInstrumentor``)."""

_instruments = ("quart >= 0.19",)
