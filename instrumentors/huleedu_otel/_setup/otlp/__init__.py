"""OTLP protobuf written directly as bytes, for the span and log export threads.

Upstream's encoders build one generated message object per span, attribute and value before
serialising; in Python that object building is most of an export's CPU and of the GIL bursts the
export thread takes from the request loop. These encoders produce the same requests on the wire
(the tests parse ours back and compare with upstream's), reusing the bytes of what repeats.
"""
