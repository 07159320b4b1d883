"""Blocking HTTP and websocket clients for the real-server tests (run them in a thread)."""

from __future__ import annotations

import http.client
import socket

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage


def get_many(port: int, paths: list[str], headers: dict[str, str] | None = None) -> list[int]:
    """GET each path over one keep-alive connection; the status codes, in order."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    statuses = []
    try:
        for path in paths:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()
    return statuses


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def websocket_roundtrip(port: int, path: str, text: str) -> list[str]:
    """Open a websocket, send ``text``, collect what comes back until the server closes."""
    ws = WSConnection(ConnectionType.CLIENT)
    received: list[str] = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(ws.send(Request(host="127.0.0.1", target=path)))
        while True:
            ws.receive_data(sock.recv(4096) or None)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    sock.sendall(ws.send(TextMessage(data=text)))
                elif isinstance(event, TextMessage):
                    received.append(str(event.data))
                elif isinstance(event, CloseConnection):
                    sock.sendall(ws.send(event.response()))
                    return received
