"""kafkajs round trip (node driver in node/roundtrip.js): admin-created
6-partition topic, 20,000 keyed records with headers and CreateTime timestamps
per codec, read back with kafkajs's own Fetch path and again with
confluent-kafka (so the codecs' output is checked by a second decoder), topic
deleted with kafkajs's admin API."""

import base64
import json
import shutil
import subprocess

import pytest

import confluent_helpers as ck
from record_set import Consumed, assert_round_trip, make_records, seq_of

COUNT = 20_000
PARTITIONS = 6
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def run_node(node_dir, job, tmp_path, name):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (scripts/setup installs it)")
    job_path = tmp_path / f"{name}.json"
    job_path.write_text(json.dumps(job))
    p = subprocess.run([node, str(node_dir / "roundtrip.js"), str(job_path)], capture_output=True, text=True,
                       timeout=240, cwd=node_dir)
    assert p.returncode == 0, f"kafkajs {job['action']} failed (exit {p.returncode}):\n{p.stderr[-4000:]}"
    return p


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip(broker, node_dir, tmp_path, codec):
    topic = f"rt-kafkajs-{codec}"
    records = make_records(COUNT, "kafkajs")
    input_path, output_path = tmp_path / "records.json", tmp_path / "consumed.json"
    input_path.write_text(json.dumps([
        {"key": r.key.decode(), "value": r.value.decode(),
         "headers": [[k, v.decode()] for k, v in r.headers], "timestamp": r.timestamp} for r in records]))
    job = {"action": "roundtrip", "brokers": [broker.bootstrap], "topic": topic, "partitions": PARTITIONS,
           "codec": codec, "input": str(input_path), "output": str(output_path)}
    run_node(node_dir, job, tmp_path, "roundtrip")

    out = json.loads(output_path.read_text())
    b64 = base64.b64decode
    consumed = [Consumed(m["partition"], m["offset"], None if m["key"] is None else b64(m["key"]),
                         None if m["value"] is None else b64(m["value"]),
                         tuple((k, b64(v)) for k, v in m["headers"]), m["timestamp"],
                         {0: "create", 1: "append"}.get(m["timestampType"], str(m["timestampType"])))
                for m in out["records"]]
    assert_round_trip(records, consumed, PARTITIONS)
    per_partition = {str(p): sum(1 for c in consumed if c.partition == p) for p in range(PARTITIONS)}
    assert out["ends"] == per_partition, f"ListOffsets latest {out['ends']}, records per partition {per_partition}"

    # The same bytes through librdkafka: catches a codec frame only kafkajs's side accepts.
    again = ck.consume_all(broker.bootstrap, topic, PARTITIONS, COUNT)
    assert_round_trip(records, again, PARTITIONS)
    assert sorted((seq_of(c.value), c.partition, c.offset) for c in again) == \
        sorted((seq_of(c.value), c.partition, c.offset) for c in consumed)

    run_node(node_dir, {"action": "delete", "brokers": [broker.bootstrap], "topic": topic}, tmp_path, "delete")
    ck.wait_topic_gone(broker.bootstrap, topic)
