"""The admin HTTP API on the admin listener: status, health, errors, and
that hostile input neither crashes the broker nor wedges the listener."""

import http.client
import json
import socket
import time

import pytest


def request(broker, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(broker.host, broker.admin_port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


def get_json(broker, path):
    status, headers, data = request(broker, "GET", path)
    assert headers.get("Content-Type") == "application/json", headers
    return status, json.loads(data)


def wait_ready(broker, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        status, body = get_json(broker, "/v1/status/ready")
        if status == 200 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.05)


def raw_exchange(broker, payload, timeout=10.0):
    """Sends raw bytes and returns everything read until the server closes."""
    with socket.create_connection((broker.host, broker.admin_port), timeout=timeout) as s:
        s.sendall(payload)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_live(broker):
    assert get_json(broker, "/v1/status/live") == (200, {})


def test_ready(broker):
    assert wait_ready(broker) == (200, {"status": "ready"})


@pytest.mark.parametrize("path", ["/v1/cluster/health_overview", "/v1/cluster/health"])
def test_health_overview(broker, path):
    wait_ready(broker)
    status, body = get_json(broker, path)
    assert status == 200
    assert body == {
        "is_healthy": True,
        "unhealthy_reasons": [],
        "controller_id": 0,
        "all_nodes": [0],
        "nodes_down": [],
        "nodes_in_recovery_mode": [],
        "leaderless_partitions": [],
        "leaderless_count": 0,
        "under_replicated_partitions": [],
        "under_replicated_count": 0,
    }


def test_query_string_is_ignored(broker):
    assert get_json(broker, "/v1/status/live?x=1") == (200, {})


def test_unknown_path_is_404(broker):
    status, body = get_json(broker, "/v1/no/such/thing")
    assert status == 404
    assert body["code"] == 404 and "/v1/no/such/thing" in body["message"]


def test_wrong_method_is_405(broker):
    status, headers, data = request(broker, "POST", "/v1/status/live", body=b"{}")
    assert status == 405
    assert headers.get("Allow") == "GET"
    body = json.loads(data)
    assert body["code"] == 405 and body["message"]


def test_keep_alive_serves_several_requests(broker):
    conn = http.client.HTTPConnection(broker.host, broker.admin_port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/v1/status/live")
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read()) == {}
    finally:
        conn.close()


def test_garbage_request_line_then_good_request(broker):
    reply = raw_exchange(broker, b"\x00\x01garbage \xff\xfe nonsense\r\n\r\n")
    assert reply == b"" or reply.startswith(b"HTTP/1.1 400"), reply
    assert get_json(broker, "/v1/status/live") == (200, {})
    assert broker.running()


def test_huge_headers_rejected(broker):
    payload = (b"GET /v1/status/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (64 * 1024) + b"\r\n\r\n")
    reply = raw_exchange(broker, payload)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 431"), reply[:200]
    assert get_json(broker, "/v1/status/live") == (200, {})


def test_huge_body_rejected(broker):
    size = 8 * 1024 * 1024
    head = (b"POST /v1/status/live HTTP/1.1\r\nHost: x\r\nContent-Length: "
            + str(size).encode() + b"\r\n\r\n")
    with socket.create_connection((broker.host, broker.admin_port), timeout=10) as s:
        s.sendall(head)
        try:
            s.sendall(b"x" * (2 * 1024 * 1024))
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            reply = s.recv(65536)
        except ConnectionResetError:
            reply = b""
    assert reply == b"" or reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert get_json(broker, "/v1/status/live") == (200, {})


def test_partial_requests_do_not_block_others(broker):
    # Slowloris-style: connections that send half a request and stall must
    # not keep the listener from serving a well-formed request.
    stalled = []
    try:
        for _ in range(20):
            s = socket.create_connection((broker.host, broker.admin_port), timeout=10)
            s.sendall(b"GET /v1/status/live HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            stalled.append(s)
        assert get_json(broker, "/v1/status/live") == (200, {})
    finally:
        for s in stalled:
            s.close()
    assert broker.running()
