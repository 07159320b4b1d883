"""The SDK set-up pipeline, in the order it runs.

``settings`` (environment → :class:`TelemetrySettings`) → ``resource`` → ``exporters`` →
``providers`` (tracer, meter and logger providers; ``views`` and ``cardinality`` shape the
metrics; ``batching`` sizes the export batches; ``loss_counting`` counts what export drops;
``propagation_logs`` quiets header noise) →
``prometheus`` (the ``/metrics`` endpoint on the one shared reader; a hypercorn supervisor
serves its workers' metrics too, and ``process_role`` tells which process is which) →
``runtime`` (process and event-loop metrics; ``heap`` freezes the start-up heap once the loop
runs) → ``handle`` (flush and shutdown). ``configure``
runs the pipeline and activates the instrumentors (``instrumentors``); ``startup`` and ``notice``
print the one startup line. The Distro (``huleedu_otel.distro``) and
:func:`huleedu_otel.configure` are its two entry points. A new setting goes in ``settings``.
"""
