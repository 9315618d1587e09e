import socket

import pytest


def test_a_call_beyond_loopback_fails_the_test() -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match="blocked"):
        sock.connect(("93.184.216.34", 80))


def test_loopback_stays_reachable() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
