"""Consumer groups on the admin surface: /v1/groups/{group} and the
consumer-group metric families, for a live group with a known lag."""

import http.client
import json
import subprocess
import time

import confluent_helpers as ck
from test_metrics import page, parse, promtool, total

TOPIC = "lagging"


def get_json(broker, path):
    conn = http.client.HTTPConnection(broker.host, broker.admin_port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read().decode())
    finally:
        conn.close()


def test_group_endpoint_and_metrics_report_lag(broker_factory):
    broker = broker_factory(extra_args=["--set", "group.initial.rebalance.delay.ms=300"])
    bs = broker.bootstrap
    ck.create_topic(bs, TOPIC, 2)
    prod = ck.producer(bs)
    for i in range(10):
        prod.produce(TOPIC, value=b"p0-%d" % i, partition=0)
    for i in range(4):
        prod.produce(TOPIC, value=b"p1-%d" % i, partition=1)
    assert prod.flush(60) == 0

    # A member reads partition 0's first 7 records and commits them; it stays
    # in the group while the endpoint is read.
    c = ck.consumer(bs, {"group.id": "watchers", "client.id": "watcher-1", "enable.partition.eof": False,
                         "auto.offset.reset": "earliest"})
    c.subscribe([TOPIC])
    read = 0
    deadline = time.monotonic() + 60
    while read < 7 and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is not None and not m.error() and m.partition() == 0:
            read += 1
            if read == 7:
                c.commit(message=m, asynchronous=False)
    assert read == 7
    try:
        status, group = get_json(broker, "/v1/groups/watchers")
        assert status == 200, group
        assert group["state"] == "Stable" and group["protocol_type"] == "consumer"
        [member] = group["members"]
        assert member["client_id"] == "watcher-1"
        assert member["assignments"] == [{"topic": TOPIC, "partitions": [0, 1]}]
        assert group["offsets"] == [{"topic": TOPIC, "partition": 0, "committed_offset": 7, "high_watermark": 10,
                                     "lag": 3}]
        assert group["total_lag"] == 3 and group["max_lag"] == 3

        public = parse(page(broker, "/public_metrics"))
        assert total(public, "redpanda_kafka_consumer_group_committed_offset", redpanda_group="watchers",
                     redpanda_topic=TOPIC, redpanda_partition="0") == 7
        assert total(public, "redpanda_kafka_consumer_group_lag_sum", redpanda_group="watchers") == 3
        assert total(public, "redpanda_kafka_consumer_group_lag_max", redpanda_group="watchers") == 3
        assert total(public, "redpanda_kafka_consumer_group_consumers", redpanda_group="watchers") == 1
        assert total(public, "redpanda_kafka_consumer_group_topics", redpanda_group="watchers") == 1
        internal = parse(page(broker, "/metrics"))
        assert total(internal, "vectorized_kafka_group_total_lag", group="watchers") == 3
        assert total(internal, "vectorized_kafka_group_max_lag", group="watchers") == 3
        result = subprocess.run([promtool(), "check", "metrics"], input=page(broker, "/metrics"), capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, (result.stdout, result.stderr)
        # Redpanda's own name redpanda_kafka_consumer_group_lag_sum breaks
        # promtool's naming lint (exit 3: the page parses, a name is frowned
        # on); that one complaint is the only one allowed.
        result = subprocess.run([promtool(), "check", "metrics"], input=page(broker, "/public_metrics"),
                                capture_output=True, text=True, timeout=60)
        complaints = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert result.returncode in (0, 3), (result.stdout, result.stderr)
        assert all(line.startswith("redpanda_kafka_consumer_group_lag_sum ") for line in complaints), complaints
    finally:
        c.close()

    status, group = get_json(broker, "/v1/groups/watchers")
    assert status == 200 and group["state"] == "Empty" and group["members"] == []
    status, missing = get_json(broker, "/v1/groups/nobody")
    assert status == 404 and "nobody" in missing["message"]
