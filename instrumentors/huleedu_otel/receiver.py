"""Public path of the in-process OTLP receiver; it lives with the other test aids.

See :mod:`huleedu_otel.testing.receiver`.
"""

from huleedu_otel.testing.receiver import *  # noqa: F403
from huleedu_otel.testing.receiver import __all__ as __all__
