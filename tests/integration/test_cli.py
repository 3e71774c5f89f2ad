"""The operator CLI (`runnel topic|group|cluster`, librdkafka-based) end to
end against a live broker: every command, the exact commands of USERS.md #4
and #5 with `rpk` replaced by `runnel`, and its error paths. Results are
checked through kafka-python (a client that shares no code with the CLI) and
by content, never by whitespace."""

import json
import os
import re
import socket
import subprocess
import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType

from conftest import runnel_binary
from kafka_requests import api_versions
from kafka_wire import RawConnection

API_JOIN_GROUP = 11


def run_cli(broker, *args, stdin=None, timeout=60, env=None, brokers=True):
    """runnel ARGS against `broker`; the CompletedProcess (text)."""
    cmd = [str(runnel_binary()), *args]
    if brokers and broker is not None:
        cmd += ["--brokers", broker.bootstrap, "--admin-url", f"127.0.0.1:{broker.admin_port}"]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNEL_")}
    full_env.update(env or {})
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout, env=full_env)


def ok(broker, *args, **kw):
    r = run_cli(broker, *args, **kw)
    assert r.returncode == 0, f"runnel {' '.join(args)} exited {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r.stdout


def failed(broker, *args, **kw):
    r = run_cli(broker, *args, **kw)
    assert r.returncode != 0, f"runnel {' '.join(args)} succeeded unexpectedly\nstdout: {r.stdout}"
    assert "Traceback" not in r.stderr and "terminate" not in r.stderr, r.stderr
    return r


def rows(text):
    """Table output as lists of whitespace-separated cells, headers included."""
    return [line.split() for line in text.splitlines() if line.strip()]


def table(text, first_header):
    """The rows under the header row that starts with first_header, as dicts."""
    lines = rows(text)
    for i, r in enumerate(lines):
        if r and r[0] == first_header:
            header = r
            out = []
            for row in lines[i + 1:]:
                if len(row) < 2 or row[0].startswith("="):
                    break
                out.append(dict(zip(header, row)))
            return out
    raise AssertionError(f"no table with header {first_header} in:\n{text}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kp_admin(broker):
    return KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="runnel-it-cli")


def topic_configs(broker, topic):
    admin = kp_admin(broker)
    try:
        resp = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        entries = resp[0].resources[0][4]
        return {e[0]: e[1] for e in entries}
    finally:
        admin.close()


def produce_kp(broker, topic, records, partition=None):
    """kafka-python produce, acks=all; [(partition, offset)] in order."""
    p = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", retries=3,
                      max_in_flight_requests_per_connection=1)
    try:
        futures = [p.send(topic, key=k, value=v, partition=partition) for k, v in records]
        p.flush(30)
        return [(f.get(30).partition, f.get(30).offset) for f in futures]
    finally:
        p.close(10)


def read_kp(broker, topic, partitions):
    """Every record of the topic via kafka-python: [(partition, offset, key, value, headers)]."""
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000)
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        return sorted((m.partition, m.offset, m.key, m.value, m.headers) for m in c)
    finally:
        c.close()


def commit_kp(broker, group, offsets):
    """Commits {(topic, partition): offset} for group as a consumer outside group management."""
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False)
    try:
        c.assign([TopicPartition(t, p) for t, p in offsets])
        c.commit({TopicPartition(t, p): OffsetAndMetadata(o, None) for (t, p), o in offsets.items()})
    finally:
        c.close()


def committed_kp(broker, group, topic, partitions):
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return {p: c.committed(TopicPartition(topic, p)) for p in range(partitions)}
    finally:
        c.close()


def broker_speaks_join_group(broker):
    with RawConnection("127.0.0.1", broker.kafka_port) as conn:
        error, apis = api_versions(conn, 3)
    return error == 0 and API_JOIN_GROUP in apis


# ---------------------------------------------------------------- connecting


def test_unreachable_broker_is_one_line_and_quick():
    port = free_port()
    for args, env in [
        (["topic", "list", "--brokers", f"127.0.0.1:{port}"], {}),
        (["topic", "list", "-X", f"brokers=127.0.0.1:{port}"], {}),
        (["topic", "list"], {"RUNNEL_BROKERS": f"127.0.0.1:{port}"}),
        (["group", "list", "--brokers", f"127.0.0.1:{port}"], {}),
        (["cluster", "info", "--brokers", f"127.0.0.1:{port}"], {}),
    ]:
        started = time.monotonic()
        r = run_cli(None, *args, env=env, brokers=False, timeout=20)
        elapsed = time.monotonic() - started
        assert r.returncode == 1, (args, r)
        assert r.stdout == ""
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert f"cannot reach broker 127.0.0.1:{port}: connection refused" in lines[0]
        assert elapsed < 5, f"{args} took {elapsed:.1f}s"


def test_default_broker_address_and_flag_precedence():
    # Nothing listens on 127.0.0.1:9092 in the test environment is not
    # guaranteed, so only the message's address is checked: the flag beats -X,
    # which beats the environment.
    a, b, c = free_port(), free_port(), free_port()
    r = run_cli(None, "topic", "list", "-X", f"brokers=127.0.0.1:{b}", "--brokers", f"127.0.0.1:{c}",
                env={"RUNNEL_BROKERS": f"127.0.0.1:{a}"}, brokers=False)
    assert f"127.0.0.1:{c}" in r.stderr and r.returncode == 1
    r = run_cli(None, "topic", "list", "-X", f"brokers=127.0.0.1:{b}",
                env={"RUNNEL_BROKERS": f"127.0.0.1:{a}"}, brokers=False)
    assert f"127.0.0.1:{b}" in r.stderr and r.returncode == 1


def test_a_silent_server_is_an_error_not_a_hang():
    # Accepts TCP but never answers Kafka: the request times out with one line.
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        port = srv.getsockname()[1]
        started = time.monotonic()
        r = run_cli(None, "topic", "list", "--brokers", f"127.0.0.1:{port}", "--connect-timeout", "1s",
                    brokers=False, timeout=60)
        elapsed = time.monotonic() - started
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"cannot get cluster metadata from 127.0.0.1:{port}" in r.stderr
    assert elapsed < 30, elapsed


def test_usage_errors_exit_2_with_a_message(broker):
    for args in [["topic", "create"], ["topic", "list", "--no-such-flag"], ["topic", "list", "--format", "yaml"],
                 ["topic", "list", "-X", "sasl.mechanism=PLAIN"], ["group"], ["topic", "consume"],
                 ["topic", "list", "--brokers", "host:notaport"]]:
        r = run_cli(broker, *args)
        assert r.returncode == 2, (args, r)
        assert r.stderr.strip() and "runnel" in r.stderr, (args, r.stderr)


def test_every_command_has_help_with_examples():
    commands = [["topic"], ["group"], ["cluster"]] + [["topic", c] for c in (
        "create", "list", "describe", "delete", "alter-config", "add-partitions", "trim-prefix", "produce",
        "consume")] + [["group", c] for c in ("list", "describe", "seek", "delete")] + [
        ["cluster", c] for c in ("info", "health")]
    for c in commands:
        r = run_cli(None, *c, "--help", brokers=False)
        assert r.returncode == 0, (c, r.stderr)
        assert "Examples:" in r.stdout and f"runnel {c[0]}" in r.stdout, (c, r.stdout)


# ---------------------------------------------------------------- USERS.md #4 and #5


def test_users_4_issue_classifier(broker):
    out = ok(broker, "topic", "create", "issues.raw", "--partitions", "3", "--replicas", "1",
             "--retention-ms", "604800000")
    assert table(out, "TOPIC") == [{"TOPIC": "issues.raw", "STATUS": "OK"}]
    ok(broker, "topic", "create", "issues.enriched", "-p", "3", "-r", "1", "-c", "retention.ms=2592000000")
    assert topic_configs(broker, "issues.raw")["retention.ms"] == "604800000"
    assert topic_configs(broker, "issues.enriched")["retention.ms"] == "2592000000"

    out = ok(broker, "topic", "describe", "issues.raw")
    summary = {r[0]: r[1] for r in rows(out) if len(r) == 2}
    assert summary["NAME"] == "issues.raw" and summary["PARTITIONS"] == "3" and summary["REPLICAS"] == "1"
    configs = {r["KEY"]: r for r in table(out, "KEY")}
    assert configs["retention.ms"]["VALUE"] == "604800000"
    assert configs["retention.ms"]["SOURCE"] == "DYNAMIC_TOPIC_CONFIG"
    assert configs["cleanup.policy"]["SOURCE"] == "DEFAULT_CONFIG"

    records = [(f"octo/repo:opened:{i % 4}".encode(), json.dumps({"n": i}).encode()) for i in range(12)]
    acked = produce_kp(broker, "issues.raw", records)
    out = ok(broker, "topic", "consume", "issues.raw", "--num", "10")
    got = [json.loads(line) for line in out.splitlines()]
    assert len(got) == 10
    produced = {(p, o): (k.decode(), v.decode()) for (k, v), (p, o) in zip(records, acked)}
    for g in got:
        assert g["topic"] == "issues.raw"
        assert produced[(g["partition"], g["offset"])] == (g["key"], g["value"])

    out = ok(broker, "topic", "describe", "issues.raw", "-p")
    parts = {int(r["PARTITION"]): r for r in table(out, "PARTITION")}
    for p in range(3):
        end = sum(1 for (pp, _) in acked if pp == p)
        assert parts[p]["LOG-START-OFFSET"] == "0" and parts[p]["HIGH-WATERMARK"] == str(end)
        assert parts[p]["LEADER"] == "0"

    # The classifier has read part of each partition.
    ends = {p: sum(1 for (pp, _) in acked if pp == p) for p in range(3)}
    commits = {("issues.raw", p): max(0, ends[p] - 1 - p) for p in range(3)}
    commit_kp(broker, "classifier-service", commits)
    out = ok(broker, "group", "describe", "classifier-service")
    summary = {r[0]: r[1] for r in rows(out) if len(r) == 2}
    assert summary["GROUP"] == "classifier-service" and summary["STATE"] == "Empty"
    lags = {p: ends[p] - commits[("issues.raw", p)] for p in range(3)}
    assert summary["TOTAL-LAG"] == str(sum(lags.values()))
    per_partition = {int(r["PARTITION"]): r for r in table(out, "TOPIC")}
    for p in range(3):
        r = per_partition[p]
        assert r["TOPIC"] == "issues.raw"
        assert r["CURRENT-OFFSET"] == str(commits[("issues.raw", p)])
        assert r["LOG-END-OFFSET"] == str(ends[p])
        assert r["LAG"] == str(lags[p])
    j = json.loads(ok(broker, "group", "describe", "classifier-service", "--format", "json"))
    assert j["total_lag"] == sum(lags.values())
    assert {p["partition"]: p["lag"] for p in j["partitions"]} == lags


def test_users_5_heat_pump(broker):
    ok(broker, "topic", "create", "heatpump-realtime", "--partitions", "1", "--replicas", "1",
       "--retention-ms", "3600000", "--segment-ms", "300000")
    ok(broker, "topic", "create", "energy-realtime", "--partitions", "1", "--replicas", "1",
       "--retention-ms", "86400000", "--segment-ms", "900000")
    cfg = topic_configs(broker, "heatpump-realtime")
    assert cfg["retention.ms"] == "3600000" and cfg["segment.ms"] == "300000"
    cfg = topic_configs(broker, "energy-realtime")
    assert cfg["retention.ms"] == "86400000" and cfg["segment.ms"] == "900000"

    line = '{"device":"device-001","supply_temp":45.5,"ts":"2024-01-01T00:00:00Z"}'
    out = ok(broker, "topic", "produce", "heatpump-realtime", "--key", "device-001", stdin=line + "\n")
    assert re.search(r"partition 0 at offset 0\b", out), out
    got = read_kp(broker, "heatpump-realtime", 1)
    assert got == [(0, 0, b"device-001", line.encode(), [])]

    more = [(b"device-%03d" % (i % 3), json.dumps({"i": i}).encode()) for i in range(12)]
    produce_kp(broker, "heatpump-realtime", more)
    out = ok(broker, "topic", "consume", "heatpump-realtime", "--format", "%k: %v\\n", "--num", "10")
    expected = [f"device-001: {line}"] + [f"{k.decode()}: {v.decode()}" for k, v in more[:9]]
    assert out.splitlines() == expected

    commit_kp(broker, "heatpump-consumer", {("heatpump-realtime", 0): 4, ("energy-realtime", 0): 0})
    out = ok(broker, "group", "describe", "heatpump-consumer")
    per_topic = {r["TOPIC"]: r for r in table(out, "TOPIC")}
    assert per_topic["heatpump-realtime"]["CURRENT-OFFSET"] == "4"
    assert per_topic["heatpump-realtime"]["LOG-END-OFFSET"] == "13"
    assert per_topic["heatpump-realtime"]["LAG"] == "9"
    assert per_topic["energy-realtime"]["LAG"] == "0"


# ---------------------------------------------------------------- topics


def test_topic_create_list_delete(broker):
    out = ok(broker, "topic", "create", "a1", "a2", "-p", "4")
    assert {r["TOPIC"]: r["STATUS"] for r in table(out, "TOPIC")} == {"a1": "OK", "a2": "OK"}
    r = failed(broker, "topic", "create", "a1", "a3")
    statuses = {row["TOPIC"]: " ".join(rows(r.stdout)[i + 1][1:]) for i, row in enumerate(table(r.stdout, "TOPIC"))}
    assert statuses["a3"] == "OK" and "TOPIC_ALREADY_EXISTS" in statuses["a1"]
    r = failed(broker, "topic", "create", "bad", "-p", "0")
    assert "--partitions" in r.stderr
    r = run_cli(broker, "topic", "create", "dry", "--dry-run")
    assert r.returncode == 0 and "dry" in r.stdout
    out = ok(broker, "topic", "list")
    listed = {r["NAME"]: r for r in table(out, "NAME")}
    assert "dry" not in listed
    assert listed["a1"]["PARTITIONS"] == "4" and listed["a3"]["REPLICAS"] == "1"
    listed = {t["name"]: t for t in json.loads(ok(broker, "topic", "list", "--format", "json"))}
    assert listed["a2"]["partitions"] == 4
    detailed = json.loads(ok(broker, "topic", "list", "-d", "--format", "json"))
    assert [p["partition"] for p in {t["name"]: t for t in detailed}["a1"]["partition_details"]] == [0, 1, 2, 3]
    out = ok(broker, "topic", "list", "-d")
    assert "a1" in out and "IN-SYNC-REPLICAS" in out

    out = ok(broker, "topic", "delete", "a1", "a2")
    assert {r["TOPIC"]: r["STATUS"] for r in table(out, "TOPIC")} == {"a1": "OK", "a2": "OK"}
    admin = kp_admin(broker)
    try:
        deadline = time.monotonic() + 30
        while {"a1", "a2"} & set(admin.list_topics()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not {"a1", "a2"} & set(admin.list_topics())
    finally:
        admin.close()
    r = failed(broker, "topic", "delete", "a1")
    assert "UNKNOWN_TOPIC_OR_PARTITION" in r.stdout


def test_topic_describe_errors_and_json(broker):
    r = failed(broker, "topic", "describe", "nope")
    assert "nope" in r.stderr and "UNKNOWN_TOPIC_OR_PARTITION" in r.stderr
    ok(broker, "topic", "create", "d1", "-p", "2", "-c", "cleanup.policy=compact")
    produce_kp(broker, "d1", [(b"k", b"v")] * 3, partition=1)
    j = json.loads(ok(broker, "topic", "describe", "d1", "--format", "json"))
    assert j["name"] == "d1" and j["partitions"] == 2
    assert {c["key"]: c["source"] for c in j["configs"]}["cleanup.policy"] == "DYNAMIC_TOPIC_CONFIG"
    assert [(p["partition"], p["log_start_offset"], p["high_watermark"]) for p in j["partition_details"]] == [
        (0, 0, 0), (1, 0, 3)]
    out = ok(broker, "topic", "describe", "d1", "-p")
    assert "KEY" not in out and [r["HIGH-WATERMARK"] for r in table(out, "PARTITION")] == ["0", "3"]


def test_topic_alter_config(broker):
    ok(broker, "topic", "create", "apphub.core.events", "-p", "6", "-c", "retention.ms=604800000",
       "-c", "cleanup.policy=compact")
    out = ok(broker, "topic", "alter-config", "apphub.core.events", "--set", "retention.ms=259200000")
    assert table(out, "TOPIC") == [{"TOPIC": "apphub.core.events", "STATUS": "OK"}]
    cfg = topic_configs(broker, "apphub.core.events")
    assert cfg["retention.ms"] == "259200000"
    assert cfg["cleanup.policy"] == "compact", "other overrides must survive an alter"
    ok(broker, "topic", "alter-config", "apphub.core.events", "--delete", "cleanup.policy",
       "--set", "segment.ms=600000")
    cfg = topic_configs(broker, "apphub.core.events")
    assert cfg["cleanup.policy"] == "delete" and cfg["segment.ms"] == "600000" and cfg["retention.ms"] == "259200000"
    r = failed(broker, "topic", "alter-config", "apphub.core.events", "--set", "retention.ms=soon")
    assert "INVALID_CONFIG" in r.stdout
    assert topic_configs(broker, "apphub.core.events")["retention.ms"] == "259200000"
    r = failed(broker, "topic", "alter-config", "apphub.core.events", "--set", "noequals")
    assert "key=value" in r.stderr
    r = failed(broker, "topic", "alter-config", "missing-topic", "--set", "retention.ms=1")
    assert "UNKNOWN_TOPIC_OR_PARTITION" in r.stderr + r.stdout


def test_topic_add_partitions(broker):
    ok(broker, "topic", "create", "grow", "-p", "2")
    out = ok(broker, "topic", "add-partitions", "grow", "--num", "3")
    assert table(out, "TOPIC") == [{"TOPIC": "grow", "ERROR": "OK"}]
    admin = kp_admin(broker)
    try:
        md = admin.describe_topics(["grow"])
        assert len(md[0]["partitions"]) == 5
    finally:
        admin.close()
    r = failed(broker, "topic", "add-partitions", "grow", "--num", "0")
    assert "--num" in r.stderr
    r = failed(broker, "topic", "add-partitions", "nope", "--num", "1")
    assert "UNKNOWN_TOPIC_OR_PARTITION" in r.stderr


def test_topic_trim_prefix(broker):
    ok(broker, "topic", "create", "trim", "-p", "2")
    produce_kp(broker, "trim", [(None, b"x%d" % i) for i in range(10)], partition=0)
    produce_kp(broker, "trim", [(None, b"y%d" % i) for i in range(4)], partition=1)
    out = ok(broker, "topic", "trim-prefix", "trim", "-o", "6", "-p", "0", "--no-confirm")
    assert table(out, "TOPIC") == [{"TOPIC": "trim", "PARTITION": "0", "NEW-START-OFFSET": "6"}]
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap)
    try:
        starts = c.beginning_offsets([TopicPartition("trim", 0), TopicPartition("trim", 1)])
        assert starts == {TopicPartition("trim", 0): 6, TopicPartition("trim", 1): 0}
    finally:
        c.close()
    out = ok(broker, "topic", "trim-prefix", "trim", "-o", "end", "--no-confirm", "--format", "json")
    assert sorted((r["partition"], r["new_start_offset"]) for r in json.loads(out)) == [(0, 10), (1, 4)]
    r = failed(broker, "topic", "trim-prefix", "trim", "-o", "99", "-p", "1", "--no-confirm")
    assert "OFFSET_OUT_OF_RANGE" in r.stdout
    r = failed(broker, "topic", "trim-prefix", "trim", "-o", "sometime", "--no-confirm")
    assert "invalid offset" in r.stderr
    r = failed(broker, "topic", "trim-prefix", "trim", "-o", "1", "-p", "7", "--no-confirm")
    assert "no partition 7" in r.stderr


# ---------------------------------------------------------------- produce and consume


def test_produce_formats_keys_headers_partitions(broker):
    ok(broker, "topic", "create", "pf", "-p", "3")
    out = ok(broker, "topic", "produce", "pf", "-f", "%k %v\\n", "-H", "source:cli", "-H", "trace:42",
             "-o", "%p|%o|%k|%v|%h{%k=%v;}\\n", stdin="k1 value one\nk2 value two\n")
    # One line per acknowledged record, in delivery order (partitions may interleave).
    lines = sorted((line.split("|") for line in out.splitlines()), key=lambda l: l[2])
    assert [(l[2], l[3], l[4]) for l in lines] == [("k1", "value one", "source=cli;trace=42;"),
                                                    ("k2", "value two", "source=cli;trace=42;")]
    got = read_kp(broker, "pf", 3)
    by_key = {k: (p, o, v, h) for p, o, k, v, h in got}
    assert by_key[b"k1"][2] == b"value one" and by_key[b"k1"][3] == [("source", b"cli"), ("trace", b"42")]
    for l in lines:
        assert by_key[l[2].encode()][:2] == (int(l[0]), int(l[1]))

    out = ok(broker, "topic", "produce", "pf", "-p", "2", "--format", "%v\\n", stdin="a\nb\nc")
    assert len(out.splitlines()) == 3 and all("partition 2" in line for line in out.splitlines())
    assert [v for p, o, k, v, h in read_kp(broker, "pf", 3) if p == 2 and k is None] == [b"a", b"b", b"c"]

    out = ok(broker, "topic", "--format", "json", "produce", "pf", "-p", "1", stdin="j\n")
    j = json.loads(out)
    assert j["topic"] == "pf" and j["partition"] == 1 and j["offset"] >= 0

    # Same key, same partition (Java-compatible murmur2), so a service's logs stay in order.
    ok(broker, "topic", "produce", "pf", "-k", "svc-a", stdin="".join(f"{i}\n" for i in range(20)))
    parts = {p for p, o, k, v, h in read_kp(broker, "pf", 3) if k == b"svc-a"}
    assert len(parts) == 1

    # Tombstones with -Z.
    ok(broker, "topic", "produce", "pf", "-p", "0", "-k", "gone", "-Z", stdin="\n")
    assert [(k, v) for p, o, k, v, h in read_kp(broker, "pf", 3) if k == b"gone"] == [(b"gone", None)]


def test_produce_errors(broker):
    r = failed(broker, "topic", "produce", "missing-topic", stdin="x\n")
    assert "missing-topic" in r.stderr and "UNKNOWN_TOPIC_OR_PARTITION" in r.stderr
    ok(broker, "topic", "create", "pe")
    r = failed(broker, "topic", "produce", "pe", "-f", "%k%v", stdin="x\n")
    assert "invalid input format" in r.stderr
    r = failed(broker, "topic", "produce", "pe", "-f", "%k %v\\n", stdin="novalue\n")
    assert "does not match" in r.stderr
    r = failed(broker, "topic", "produce", "pe", "-p", "5", stdin="x\n")
    assert "no partition 5" in r.stderr
    r = failed(broker, "topic", "produce", "pe", "-H", "nocolon", stdin="x\n")
    assert "key:value" in r.stderr
    r = failed(broker, "topic", "produce", "-f", "%v\\n", stdin="x\n")
    assert "give a topic" in r.stderr
    # Topics read from the input: a known one works, an unknown one stops the run.
    r = failed(broker, "topic", "produce", "-f", "%t:%v\\n", stdin="pe:first\nnot-a-topic:x\npe:never\n")
    assert "not-a-topic" in r.stderr and "UNKNOWN_TOPIC_OR_PARTITION" in r.stderr
    assert [v for _, _, _, v, _ in read_kp(broker, "pe", 1)] == [b"first"]


def test_consume_formats_and_offsets(broker):
    ok(broker, "topic", "create", "cf", "-p", "2")
    t0 = int(time.time() * 1000)
    p = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    try:
        for i in range(6):
            p.send("cf", key=b"k%d" % i, value=b"v%d" % i, partition=0, timestamp_ms=t0 + i * 1000,
                   headers=[("h", b"%d" % i)])
        p.send("cf", key=None, value=b"only", partition=1, timestamp_ms=t0)
        p.flush(30)
    finally:
        p.close(10)

    # :end reads what is there now and exits without --num.
    out = ok(broker, "topic", "consume", "cf", "-o", ":end", "-f", "%p %o %k %v %H %T %K %V\\n")
    assert sorted(out.splitlines()) == sorted(
        [f"0 {i} k{i} v{i} 1 2 2 2" for i in range(6)] + ["1 0  only 0 2 -1 4"])
    out = ok(broker, "topic", "consume", "cf", "-p", "0", "-o", "-2", "-n", "2", "-f", "%v\\n")
    assert out.splitlines() == ["v4", "v5"]
    out = ok(broker, "topic", "consume", "cf", "-p", "0", "-o", "+1", "-n", "1", "-f", "%v\\n")
    assert out.splitlines() == ["v1"]
    out = ok(broker, "topic", "consume", "cf", "-p", "0", "-o", "2:4", "-f", "%o\\n")
    assert out.splitlines() == ["2", "3"]
    out = ok(broker, "topic", "consume", "cf", "-p", "0", "-o", f"@{t0 + 3000}:end", "-f", "%v\\n")
    assert out.splitlines() == ["v3", "v4", "v5"]
    out = ok(broker, "topic", "consume", "cf", "-p", "0", "-o", f"@{t0 + 1000}:{t0 + 3000}", "-f", "%v\\n")
    assert out.splitlines() == ["v1", "v2"]
    out = ok(broker, "topic", "consume", "cf", "-p", "0", "-o", "5:", "-n", "1",
             "-f", "%d %d{strftime[%Y]} %v{hex} %h{%k=%v}\\n")
    ts, year, hexv, hdr = out.split()
    assert int(ts) == t0 + 5000 and year == time.strftime("%Y", time.gmtime((t0 + 5000) / 1000))
    assert hexv == b"v5".hex() and hdr == "h=5"
    # The default is one JSON object per record.
    recs = [json.loads(line) for line in ok(broker, "topic", "consume", "cf", "-p", "0", "-n", "2").splitlines()]
    assert [(r["key"], r["value"], r["offset"], r["partition"], r["timestamp"]) for r in recs] == [
        ("k0", "v0", 0, 0, t0), ("k1", "v1", 1, 0, t0 + 1000)]
    assert recs[0]["headers"] == [{"key": "h", "value": "0"}]
    # Nothing in range: exits at once with nothing printed.
    assert ok(broker, "topic", "consume", "cf", "-p", "1", "-o", ":0") == ""


def test_consume_errors(broker):
    r = failed(broker, "topic", "consume", "missing-topic", "-n", "1", timeout=30)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in r.stderr
    ok(broker, "topic", "create", "ce")
    for offset in ["sometime", "5:2", "@yesterday"]:
        r = failed(broker, "topic", "consume", "ce", "-o", offset, "-n", "1", timeout=30)
        assert "invalid offset" in r.stderr, (offset, r.stderr)
    r = failed(broker, "topic", "consume", "ce", "-f", "%z", "-n", "1")
    assert "invalid format" in r.stderr
    r = failed(broker, "topic", "consume", "ce", "-p", "3", "-n", "1")
    assert "no partition 3" in r.stderr
    r = failed(broker, "topic", "consume", "ce", "-g", "g", "-p", "0", "-n", "1")
    assert "--group" in r.stderr
    r = failed(broker, "topic", "consume", "ce", "-g", "g", "-o", "5", "-n", "1")
    assert "start or end" in r.stderr


def cli_popen(broker, *args):
    cmd = [str(runnel_binary()), *args, "--brokers", broker.bootstrap]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNEL_")}
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            bufsize=1, env=env)


def read_line(stream, timeout):
    """One line from a pipe within timeout seconds, else None."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    try:
        return stream.readline() if sel.select(timeout) else None
    finally:
        sel.close()


def test_produce_reports_each_line_as_it_is_typed(broker):
    # An operator typing at a terminal sees each record acknowledged before
    # the next line, not only at end of input.
    ok(broker, "topic", "create", "typed")
    proc = cli_popen(broker, "topic", "produce", "typed", "-o", "%o %v\\n")
    try:
        for i in range(3):
            proc.stdin.write(f"line{i}\n")
            proc.stdin.flush()
            assert read_line(proc.stdout, 15) == f"{i} line{i}\n"
        proc.stdin.close()
        assert proc.wait(30) == 0
    finally:
        proc.kill()
    assert [v for _, _, _, v, _ in read_kp(broker, "typed", 1)] == [b"line0", b"line1", b"line2"]


def test_consume_tails_until_interrupted_or_the_reader_leaves(broker):
    import signal
    ok(broker, "topic", "create", "tail")
    proc = cli_popen(broker, "topic", "consume", "tail", "-o", "end", "-f", "%v\\n")
    try:
        time.sleep(2)  # the consumer is positioned at the end
        produce_kp(broker, "tail", [(None, b"fresh")])
        assert read_line(proc.stdout, 20) == "fresh\n"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
    finally:
        proc.kill()
    # A closed pipe (| head -1) ends the consumer at its next record instead
    # of leaving it running.
    proc = cli_popen(broker, "topic", "consume", "tail", "-f", "%v\\n")
    try:
        assert read_line(proc.stdout, 20) == "fresh\n"
        proc.stdout.close()
        time.sleep(0.5)
        produce_kp(broker, "tail", [(None, b"next")])
        assert proc.wait(20) == 0
    finally:
        proc.kill()


def test_consume_with_group_without_join_group_fails_clearly(broker):
    if broker_speaks_join_group(broker):
        pytest.skip("the broker speaks JoinGroup: test_consume_with_group_commits_and_resumes covers -g")
    ok(broker, "topic", "create", "nojoin")
    started = time.monotonic()
    r = failed(broker, "topic", "consume", "nojoin", "-g", "g", "-n", "1", timeout=60)
    assert "JoinGroup" in r.stderr and "UNSUPPORTED_FEATURE" in r.stderr, r.stderr
    assert time.monotonic() - started < 30


def test_consume_with_group_commits_and_resumes(broker):
    if not broker_speaks_join_group(broker):
        pytest.skip("the broker does not list JoinGroup in ApiVersions yet (group membership is issue 5)")
    ok(broker, "topic", "create", "cg", "-p", "2")
    produce_kp(broker, "cg", [(b"k%d" % i, b"v%d" % i) for i in range(6)])
    first = ok(broker, "topic", "consume", "cg", "-g", "cg-group", "-n", "6", "-f", "%v\\n", timeout=90)
    assert sorted(first.splitlines()) == [f"v{i}" for i in range(6)]
    committed = committed_kp(broker, "cg-group", "cg", 2)
    assert sum(o or 0 for o in committed.values()) == 6, committed
    produce_kp(broker, "cg", [(b"n%d" % i, b"new%d" % i) for i in range(3)])
    second = ok(broker, "topic", "consume", "cg", "-g", "cg-group", "-n", "3", "-f", "%v\\n", timeout=90)
    assert sorted(second.splitlines()) == ["new0", "new1", "new2"], "a new member resumes from the commit"
    out = ok(broker, "group", "describe", "cg-group")
    assert {r[0]: r[1] for r in rows(out) if len(r) == 2}["TOTAL-LAG"] == "0"


# ---------------------------------------------------------------- groups


def test_group_list_seek_delete(broker):
    ok(broker, "topic", "create", "gs", "-p", "2")
    produce_kp(broker, "gs", [(None, b"x")] * 5, partition=0)
    produce_kp(broker, "gs", [(None, b"y")] * 3, partition=1)

    r = failed(broker, "group", "seek", "gseek", "--to", "start", "--topics", "gs")
    assert "--allow-new-topics" in r.stderr
    out = ok(broker, "group", "seek", "gseek", "--to", "end", "--topics", "gs", "--allow-new-topics")
    assert {(r["PARTITION"], r["PRIOR-OFFSET"], r["CURRENT-OFFSET"]) for r in table(out, "TOPIC")} == {
        ("0", "-", "5"), ("1", "-", "3")}
    assert committed_kp(broker, "gseek", "gs", 2) == {0: 5, 1: 3}

    out = ok(broker, "group", "seek", "gseek", "--to", "start")
    assert {(r["PARTITION"], r["PRIOR-OFFSET"], r["CURRENT-OFFSET"]) for r in table(out, "TOPIC")} == {
        ("0", "5", "0"), ("1", "3", "0")}
    assert committed_kp(broker, "gseek", "gs", 2) == {0: 0, 1: 0}

    future = int(time.time()) + 3600
    ok(broker, "group", "seek", "gseek", "--to", f"@{future}")
    assert committed_kp(broker, "gseek", "gs", 2) == {0: 5, 1: 3}, "a time after every record seeks to the end"

    offsets_file = broker.data_dir + "/../offsets.txt"
    with open(offsets_file, "w") as f:
        f.write("# topic partition offset\ngs 0 2\n\ngs 1 1\n")
    ok(broker, "group", "seek", "gseek", "--to-file", offsets_file)
    assert committed_kp(broker, "gseek", "gs", 2) == {0: 2, 1: 1}
    ok(broker, "group", "seek", "gseek", "--to", offsets_file)
    r = failed(broker, "group", "seek", "gseek")
    assert "--to" in r.stderr
    r = failed(broker, "group", "seek", "gseek", "--to", "whenever")
    assert "--to" in r.stderr

    out = ok(broker, "group", "describe", "gseek")
    assert {(r["PARTITION"], r["CURRENT-OFFSET"], r["LAG"]) for r in table(out, "TOPIC")} == {
        ("0", "2", "3"), ("1", "1", "2")}

    groups = {r["GROUP"]: r["STATE"] for r in table(ok(broker, "group", "list"), "GROUP")}
    assert groups.get("gseek") == "Empty"
    assert {"group": "gseek", "state": "Empty"} in json.loads(ok(broker, "group", "list", "--format", "json"))

    out = run_cli(broker, "group", "delete", "gseek", "never-was")
    assert out.returncode == 1
    statuses = {row[0]: " ".join(row[1:]) for row in rows(out.stdout)[1:]}
    assert statuses["gseek"] == "OK" and "GROUP_ID_NOT_FOUND" in statuses["never-was"]
    assert "gseek" not in ok(broker, "group", "list")
    r = failed(broker, "group", "describe", "gseek")
    assert "GROUP_ID_NOT_FOUND" in r.stderr


# ---------------------------------------------------------------- cluster


def test_cluster_info(broker):
    ok(broker, "topic", "create", "ci1", "ci2")
    out = ok(broker, "cluster", "info")
    summary = {r[0]: r[1] for r in rows(out) if len(r) == 2}
    assert summary["CONTROLLER"] == "0" and summary["BROKERS"] == "1" and summary["TOPICS"] == "2"
    brokers = table(out, "ID")
    assert brokers == [{"ID": "0*", "HOST": "127.0.0.1", "PORT": str(broker.kafka_port)}]
    j = json.loads(ok(broker, "cluster", "info", "--format", "json"))
    assert j["controller_id"] == 0 and j["topic_count"] == 2
    assert j["brokers"] == [{"node_id": 0, "host": "127.0.0.1", "port": broker.kafka_port, "controller": True}]
    out = ok(broker, "cluster", "info", "-t")
    assert {r["NAME"] for r in table(out, "NAME")} == {"ci1", "ci2"}


def test_cluster_health(broker):
    out = ok(broker, "cluster", "health")
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    assert fields["Healthy"].strip() == "true"
    assert fields["Controller ID"].strip() == "0"
    assert fields["All nodes"].strip() == "[0]"
    j = json.loads(ok(broker, "cluster", "health", "--format", "json"))
    assert j["is_healthy"] is True
    ok(broker, "cluster", "health", "-e", "--timeout", "10s")
    port = free_port()
    started = time.monotonic()
    r = run_cli(None, "cluster", "health", "--admin-url", f"127.0.0.1:{port}", brokers=False)
    assert r.returncode == 1 and time.monotonic() - started < 5
    assert f"cannot reach the admin API at 127.0.0.1:{port}: connection refused" in r.stderr
    r = run_cli(None, "cluster", "health", "-X", f"admin.hosts=127.0.0.1:{broker.admin_port}", brokers=False)
    assert r.returncode == 0 and "true" in r.stdout
