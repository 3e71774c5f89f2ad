"""Prometheus pages on the admin listener: /metrics (vectorized_*) and
/public_metrics (redpanda_*) pass promtool, and their counters move by exactly
what real clients did."""

import http.client
import json
import re
import shutil
import subprocess
import time

import pytest
from confluent_kafka import Producer
from kafka import KafkaConsumer, TopicPartition as KpTopicPartition

import confluent_helpers as ck
from kafka_wire import RawConnection, frame, request_header

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def page(broker, path):
    conn = http.client.HTTPConnection(broker.host, broker.admin_port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode()
        assert response.status == 200, body
        assert response.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
        return body
    finally:
        conn.close()


def parse(text):
    """{(name, frozenset(labels)): value} of every sample."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        assert m, f"unparsable sample line: {line!r}"
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        key = (m.group(1), labels)
        assert key not in out, f"duplicate series {line!r}"
        out[key] = float(m.group(3))
    return out


def total(samples, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def scrape(broker):
    return parse(page(broker, "/metrics")), parse(page(broker, "/public_metrics"))


def wait_ready(broker):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(broker.host, broker.admin_port, timeout=10)
        try:
            conn.request("GET", "/v1/status/ready")
            if conn.getresponse().status == 200:
                return
        finally:
            conn.close()
        time.sleep(0.05)
    raise AssertionError("broker never became ready")


def produce(bs, topic, values, extra=None):
    p = Producer({"bootstrap.servers": bs, "acks": "all", "linger.ms": 5, **(extra or {})})
    errors = []
    for v in values:
        p.produce(topic, value=v, partition=0, on_delivery=lambda err, msg: err and errors.append(err))
        p.poll(0)
    assert p.flush(60) == 0
    assert not errors, errors


def promtool():
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: run scripts/setup (Debian package prometheus)")
    return path


def test_promtool_accepts_both_pages(broker):
    wait_ready(broker)
    bs = broker.bootstrap
    ck.create_topic(bs, "checked", 2)
    produce(bs, "checked", [b"v%d" % i for i in range(20)])
    ck.consume_all(bs, "checked", 2, expected_count=20)
    for path in ("/metrics", "/public_metrics"):
        text = page(broker, path)
        parse(text)
        result = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), (
            path, result.stdout, result.stderr)


def test_counters_move_by_exactly_n_records(broker):
    wait_ready(broker)
    bs = broker.bootstrap
    ck.create_topic(bs, "counted", 1)
    internal0, public0 = scrape(broker)
    n = 137
    produce(bs, "counted", [b"record-%04d" % i for i in range(n)])
    internal1, public1 = scrape(broker)

    def delta(before, after, name, **labels):
        return total(after, name, **labels) - total(before, name, **labels)

    t = {"topic": "counted"}
    pt = {"redpanda_topic": "counted"}
    assert delta(internal0, internal1, "vectorized_cluster_partition_records_produced_total", **t) == n
    assert delta(public0, public1, "redpanda_kafka_records_produced_total", **pt) == n
    assert total(internal1, "vectorized_cluster_partition_high_watermark", partition="0", **t) == n
    assert total(public1, "redpanda_kafka_max_offset", redpanda_partition="0", **pt) == n
    produced = delta(internal0, internal1, "vectorized_cluster_partition_bytes_produced_total", **t)
    assert produced > n * len(b"record-0000")
    # The bytes the partition took are the bytes its log wrote and now holds
    # (the topic was empty), and acks=all made every one durable.
    assert delta(internal0, internal1, "vectorized_storage_log_written_bytes_total", **t) == produced
    assert total(internal1, "vectorized_storage_log_partition_size", **t) == produced
    assert delta(internal0, internal1, "vectorized_storage_log_flushed_bytes_total", **t) == produced
    assert delta(public0, public1, "redpanda_kafka_request_bytes_total", redpanda_request="produce", **pt) == produced
    # At least one produce request, seen by the latency histogram per API and publicly.
    produces = delta(internal0, internal1, "vectorized_kafka_request_latency_seconds_count", request="produce")
    assert produces >= 1
    assert delta(public0, public1, "redpanda_kafka_request_latency_seconds_count", redpanda_request="produce") == produces
    assert delta(internal0, internal1, "vectorized_storage_log_fsync_latency_seconds_count") >= 1
    # The records just produced are held in memory for readers at the tail.
    assert total(internal1, "vectorized_storage_write_behind_bytes") >= produced

    consumed = ck.consume_all(bs, "counted", 1, expected_count=n)
    assert len(consumed) == n
    internal2, public2 = scrape(broker)
    assert delta(internal1, internal2, "vectorized_cluster_partition_records_fetched_total", **t) == n
    assert delta(public1, public2, "redpanda_kafka_records_fetched_total", **pt) == n
    assert delta(internal1, internal2, "vectorized_cluster_partition_bytes_fetched_total", **t) == produced
    assert delta(public1, public2, "redpanda_kafka_request_bytes_total", redpanda_request="consume", **pt) == produced

    # A second round moves them by exactly the new records.
    produce(bs, "counted", [b"more-%d" % i for i in range(11)])
    internal3, _ = scrape(broker)
    assert delta(internal2, internal3, "vectorized_cluster_partition_records_produced_total", **t) == 11
    assert total(internal3, "vectorized_cluster_partition_high_watermark", **t) == n + 11


def test_segments_created_match_the_log(broker):
    wait_ready(broker)
    bs = broker.bootstrap
    ck.create_topic(bs, "rolled", 1, config={"segment.bytes": "1024"})
    produce(bs, "rolled", [b"x" * 300 for _ in range(40)], extra={"linger.ms": 0, "batch.num.messages": 1})
    internal, _ = scrape(broker)
    created = total(internal, "vectorized_storage_log_log_segments_created_total", topic="rolled")
    # The name is an alias of Redpanda's.
    assert total(internal, "vectorized_storage_log_segments_created_total", topic="rolled") == created
    conn = http.client.HTTPConnection(broker.host, broker.admin_port, timeout=10)
    conn.request("GET", "/v1/topics/rolled")
    topic = json.loads(conn.getresponse().read())
    conn.close()
    segments = topic["partitions"][0]["segments"]
    # Nothing was deleted, so every segment created is still there.
    assert segments > 5
    assert created == segments


def test_connections_gauge_and_failed_requests(broker):
    wait_ready(broker)
    internal0, public0 = scrape(broker)
    open0 = total(internal0, "vectorized_kafka_rpc_active_connections")
    with RawConnection(broker.host, broker.kafka_port) as conn:
        conn.request(18, 0, b"")  # ApiVersions v0: the connection is now surely served
        internal1, public1 = scrape(broker)
        assert total(internal1, "vectorized_kafka_rpc_active_connections") == open0 + 1
        assert total(public1, "redpanda_rpc_active_connections", redpanda_server="kafka") == open0 + 1
        assert (total(internal1, "vectorized_kafka_rpc_connects_total")
                - total(internal0, "vectorized_kafka_rpc_connects_total")) == 1
        # An API nobody serves closes the connection and counts once.
        conn.send(frame(request_header(999, 0, 77)))
        conn.sock.settimeout(10)
        assert conn.sock.recv(1) == b""
    deadline = time.monotonic() + 10
    while True:
        internal2, public2 = scrape(broker)
        if total(internal2, "vectorized_kafka_rpc_active_connections") == open0 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert total(internal2, "vectorized_kafka_rpc_active_connections") == open0
    name = "vectorized_kafka_handler_requests_errored_total"
    assert total(internal2, name, handler="unknown") - total(internal0, name, handler="unknown") == 1
    assert (total(public2, "redpanda_rpc_request_errors_total")
            - total(public0, "redpanda_rpc_request_errors_total")) == 1


def test_partition_errors_by_code(broker):
    wait_ready(broker)
    bs = broker.bootstrap
    ck.create_topic(bs, "short", 1)
    before, _ = scrape(broker)
    c = KafkaConsumer(bootstrap_servers=bs, auto_offset_reset="none", consumer_timeout_ms=3000,
                      enable_auto_commit=False)
    try:
        tp = KpTopicPartition("short", 0)
        c.assign([tp])
        c.seek(tp, 1000)  # past the end: the broker answers OFFSET_OUT_OF_RANGE
        with pytest.raises(Exception):
            for _ in c:
                pass
    finally:
        c.close()
    after, public = scrape(broker)
    name = "vectorized_kafka_request_errors_total"
    labels = {"request": "consume", "error": "offset_out_of_range"}
    assert total(after, name, **labels) - total(before, name, **labels) >= 1
    assert total(public, "redpanda_kafka_request_errors_total", redpanda_request="consume",
                 redpanda_error="offset_out_of_range") >= 1


def test_cluster_and_process_gauges(broker):
    wait_ready(broker)
    bs = broker.bootstrap
    ck.create_topic(bs, "gauged", 3)
    internal, public = scrape(broker)
    assert total(public, "redpanda_cluster_healthy") == 1
    assert total(public, "redpanda_cluster_brokers") == 1
    assert total(public, "redpanda_kafka_partitions", redpanda_topic="gauged") == 3
    assert total(public, "redpanda_kafka_replicas", redpanda_topic="gauged") == 1
    assert total(public, "redpanda_cluster_partitions") >= 3
    assert total(public, "redpanda_kafka_under_replicated_replicas", redpanda_topic="gauged") == 0
    assert total(internal, "vectorized_cluster_healthy") == 1
    rss = total(internal, "vectorized_process_resident_memory_bytes")
    assert abs(rss - broker.rss_kib() * 1024) < 64 << 20
    assert total(public, "redpanda_application_uptime_seconds_total") > 0
    assert total(internal, "vectorized_application_uptime") > 0


def test_head_and_wrong_method(broker):
    conn = http.client.HTTPConnection(broker.host, broker.admin_port, timeout=10)
    try:
        conn.request("HEAD", "/public_metrics")
        response = conn.getresponse()
        assert response.status == 200
        assert response.read() == b""
        assert int(response.getheader("Content-Length")) > 0
        conn.request("POST", "/metrics", body=b"")
        response = conn.getresponse()
        response.read()
        assert response.status == 405
        assert response.getheader("Allow") == "GET, HEAD"
    finally:
        conn.close()
