"""The admin HTTP API on the admin listener: status, health, the broker's data
(brokers, configs, partitions, topics), errors, 503 while booting, and that
hostile input neither crashes the broker nor wedges the listener."""

import http.client
import json
import os
import socket
import subprocess
import time

import pytest

import confluent_helpers as ck
from crc32c import crc32c


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
    assert headers.get("Allow") == "GET, HEAD"
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


# ---- the broker's data -------------------------------------------------------


def test_brokers(broker):
    wait_ready(broker)
    status, body = get_json(broker, "/v1/brokers")
    assert status == 200
    assert len(body) == 1
    node = body[0]
    assert node["node_id"] == 0 and node["num_cores"] == 2
    assert node["membership_status"] == "active" and node["is_alive"] is True
    assert node["disk_space"][0]["path"] == broker.data_dir
    assert 0 < node["disk_space"][0]["free"] <= node["disk_space"][0]["total"]
    assert node["maintenance_status"]["draining"] is False


def test_node_config(broker):
    status, body = get_json(broker, "/v1/node_config")
    assert status == 200
    assert body["node_id"] == 0
    assert body["data_directory"] == broker.data_dir
    assert body["kafka_api"] == [{"name": "internal", "address": broker.host, "port": broker.kafka_port}]
    assert body["advertised_kafka_api"] == body["kafka_api"]
    assert body["admin"] == [{"name": "admin", "address": broker.host, "port": broker.admin_port}]
    assert body["smp"] == 2 and body["developer_mode"] is True


def test_cluster_config(broker_factory):
    broker = broker_factory(extra_args=["--set", "num.partitions=3", "--set", "auto.create.topics.enable=false"])
    status, body = get_json(broker, "/v1/cluster_config")
    assert status == 200
    assert body["num.partitions"] == 3
    assert body["auto.create.topics.enable"] is False
    assert body["log.segment.bytes"] == 1073741824  # a default, typed
    status, only_set = get_json(broker, "/v1/cluster_config?include_defaults=false")
    assert status == 200
    assert only_set == {"num.partitions": 3, "auto.create.topics.enable": False}
    status, error = get_json(broker, "/v1/cluster_config?include_defaults=maybe")
    assert status == 400 and error["code"] == 400 and "include_defaults" in error["message"]


def test_partitions_and_topic(broker):
    wait_ready(broker)
    bs = broker.bootstrap
    ck.create_topic(bs, "orders", 3, config={"retention.ms": "3600000"})
    prod = ck.producer(bs)
    for p, count in enumerate([5, 0, 2]):
        for i in range(count):
            prod.produce("orders", value=b"order-%d" % i, partition=p)
    assert prod.flush(30) == 0
    status, parts = get_json(broker, "/v1/partitions")
    assert status == 200
    mine = [p for p in parts if p["topic"] == "orders"]
    assert [p["partition_id"] for p in mine] == [0, 1, 2]
    for p in mine:
        assert p["ns"] == "kafka" and p["leader"] == 0 and p["core"] in (0, 1)

    status, topic = get_json(broker, "/v1/topics/orders")
    assert status == 200
    assert topic["topic"] == "orders" and topic["partition_count"] == 3 and topic["replication_factor"] == 1
    assert topic["configs"] == {"retention.ms": "3600000"}
    assert [p["high_watermark"] for p in topic["partitions"]] == [5, 0, 2]
    assert all(p["log_start_offset"] == 0 and p["leader_id"] == 0 for p in topic["partitions"])
    sizes = [p["size_bytes"] for p in topic["partitions"]]
    assert sizes[0] > sizes[2] > 0 and sizes[1] == 0
    assert topic["size_bytes"] == sum(sizes)
    # The same core the partition list names.
    assert [p["replicas"][0]["core"] for p in topic["partitions"]] == [p["core"] for p in mine]

    # Redpanda's paths for the same partitions.
    status, listed = get_json(broker, "/v1/partitions/kafka/orders")
    assert status == 200 and listed == topic["partitions"]
    assert all(p["ns"] == "kafka" and p["topic"] == "orders" and p["status"] == "done" for p in listed)
    status, one = get_json(broker, "/v1/partitions/kafka/orders/2")
    assert status == 200 and one == listed[2] and one["high_watermark"] == 2
    for path, code in (("/v1/partitions/kafka/orders/3", 404), ("/v1/partitions/kafka/orders/x", 400),
                       ("/v1/partitions/kafka/orders/-1", 400), ("/v1/partitions/kafka/orders/99999999999", 400),
                       ("/v1/partitions/redpanda/orders", 404), ("/v1/partitions/kafka/absent/0", 404)):
        status, body = get_json(broker, path)
        assert status == code and body["code"] == code and body["message"], path


def test_topic_errors(broker):
    wait_ready(broker)
    status, body = get_json(broker, "/v1/topics/absent")
    assert status == 404 and body["code"] == 404 and "absent" in body["message"]
    status, body = get_json(broker, "/v1/topics/bad%20name")
    assert status == 400 and body["code"] == 400
    status, body = get_json(broker, "/v1/topics/" + "x" * 300)
    assert status == 400
    status, body = get_json(broker, "/v1/topics/a/b")
    assert status == 404
    status, headers, data = request(broker, "DELETE", "/v1/topics/orders")
    assert status == 405 and headers.get("Allow") == "GET, HEAD"
    assert broker.running()


def test_head_requests(broker):
    wait_ready(broker)
    for path in ("/v1/brokers", "/v1/status/ready", "/v1/partitions"):
        status, headers, data = request(broker, "HEAD", path)
        assert status == 200 and data == b"", path
        _, _, full = request(broker, "GET", path)
        assert int(headers["Content-Length"]) == len(full), path


def shard_of(topic, partition, shards):
    return (crc32c(topic.encode()) + partition) % shards


def test_503_while_booting(broker):
    """A partition log whose recovery point is a FIFO blocks its shard's start
    until the test writes to it: a deterministic window in which the admin
    API is up but the broker is not."""
    wait_ready(broker)
    bs = broker.bootstrap
    ck.create_topic(bs, "booting", 2)
    prod = ck.producer(bs)
    for p in range(2):
        prod.produce("booting", value=b"v", partition=p)
    assert prod.flush(30) == 0
    assert broker.stop() == 0
    # The partition on shard 1: shard 0 serves the admin API and must stay free.
    partition = next(p for p in range(2) if shard_of("booting", p, 2) == 1)
    fifo = os.path.join(broker.data_dir, "kafka", "booting", str(partition), "recovery-point")
    if os.path.exists(fifo):
        os.remove(fifo)
    os.mkfifo(fifo)

    with open(broker.log_path, "a") as log:
        broker.starts += 1
        broker.proc = subprocess.Popen(broker.command(), stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            if get_json(broker, "/v1/status/live") == (200, {}):
                break
        except OSError:
            pass
        assert time.monotonic() < deadline and broker.running(), broker.log_tail()
        time.sleep(0.05)

    assert get_json(broker, "/v1/status/ready") == (503, {"status": "booting"})
    status, health = get_json(broker, "/v1/cluster/health_overview")
    assert status == 200 and health["is_healthy"] is False and health["controller_id"] == -1
    for path in ("/v1/partitions", "/v1/topics/booting"):
        status, body = get_json(broker, path)
        assert status == 503 and body["code"] == 503 and body["message"], path
    status, _, text = request(broker, "GET", "/public_metrics")
    assert status == 200 and b"redpanda_cluster_healthy 0\n" in text

    with open(fifo, "w") as f:  # the blocked open() returns; recovery scans the whole log
        f.write("0\n")
    status, body = wait_ready(broker, timeout=30)
    assert status == 200
    status, topic = get_json(broker, "/v1/topics/booting")
    assert status == 200 and [p["high_watermark"] for p in topic["partitions"]] == [1, 1]
