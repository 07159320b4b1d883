"""An OTLP/gRPC sink in its own process: acknowledges every export without decoding it.

``python -m benchmarks._otlp_sink`` prints its port and serves until stdin closes. Any method
ending in ``/Export`` (traces, metrics, logs) gets empty bytes back, a valid empty response,
so the service under load pays exactly what it would pay a healthy collector: the encoding and
the send, never a full queue or a retry backoff.
"""

from __future__ import annotations

import sys
from concurrent import futures
from typing import Any

import grpc


def _ack(request: bytes, context: Any) -> bytes:
    return b""


class _AcknowledgeExports(grpc.GenericRpcHandler):  # type: ignore[misc]
    def service(self, handler_call_details: Any) -> Any:
        if not handler_call_details.method.endswith("/Export"):
            return None
        # no (de)serializers: the request stays raw bytes, the reply is sent as given
        return grpc.unary_unary_rpc_method_handler(_ack)


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((_AcknowledgeExports(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()  # the benchmark closes our stdin when it is done
    server.stop(grace=None)


if __name__ == "__main__":
    main()
