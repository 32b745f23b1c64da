"""The child servers' listening socket (``api.live.listening_socket``): the
connections it accepts send each write at once (``TCP_NODELAY``), as
``peacemap serve`` does. Without it a response written as headers then body
waits for the client's delayed ACK, and the benchmarks measure that wait
instead of the server."""

import socket

from api.live import listening_socket


def test_accepted_connections_have_nodelay():
    with listening_socket() as server:
        assert server.getsockname()[0] == "127.0.0.1"
        server.listen()
        with socket.create_connection(server.getsockname()) as client:
            accepted, peer = server.accept()
            with accepted:
                assert peer == client.getsockname()
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
